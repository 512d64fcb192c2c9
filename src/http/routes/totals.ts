import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app.js'
import { checkDate, storeToday } from '../dates.js'

/** GET /api/v1/totals?date=YYYY-MM-DD: the staff totals of a day (default: today, store time). */
export function totalsRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { date?: string } }>('/api/v1/totals', {
      schema: { querystring: { type: 'object', properties: { date: { type: 'string' } }, additionalProperties: false } },
    }, async (request) => {
      request.requireRole(['staff', 'central'], { openWithoutStaffToken: true })
      const date = request.query.date === undefined ? storeToday(deps) : checkDate('date', request.query.date)
      return deps.totals(deps.storeId, date)
    })
  }
}
