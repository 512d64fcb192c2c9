import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app.js'
import { checkDate, dayTotals, storeOf, storeToday, STORE_ID_PARAMETER } from '../dates.js'

/** GET /api/v1/totals?date=YYYY-MM-DD&store_id=: the staff totals of a day (default: today, store time). */
export function totalsRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { date?: string; store_id?: string } }>('/api/v1/totals', {
      schema: { querystring: { type: 'object', properties: { date: { type: 'string' }, store_id: STORE_ID_PARAMETER }, additionalProperties: false } },
    }, async (request) => {
      request.requireRole(['staff', 'central'], { openWithoutStaffToken: true })
      const storeId = storeOf(deps, request.query)
      const date = request.query.date === undefined ? storeToday(deps, storeId) : checkDate('date', request.query.date)
      return dayTotals(deps, storeId, date)
    })
  }
}
