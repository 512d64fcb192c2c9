import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app.js'
import { dayTotals, dayView, storeDayOf, STORE_ID_PARAMETER } from '../dates.js'

const dayQuery = { querystring: { type: 'object', properties: { date: { type: 'string' }, store_id: STORE_ID_PARAMETER }, additionalProperties: false } }

/**
 * GET /api/v1/totals?date=YYYY-MM-DD&store_id=: the staff totals of a day (default: today, store
 * time); GET /api/v1/day: the same with the day's top products, what the staff page shows (one
 * request for its first paint, the shape of the live stream's `day` event).
 */
export function totalsRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { date?: string; store_id?: string } }>(
      '/api/v1/totals',
      { config: { roles: ['staff', 'central'], openWithoutStaffToken: true }, schema: dayQuery },
      async (request) => {
        return dayTotals(deps, ...storeDayOf(deps, request.query))
      },
    )
    app.get<{ Querystring: { date?: string; store_id?: string } }>(
      '/api/v1/day',
      { config: { roles: ['staff', 'central'], openWithoutStaffToken: true }, schema: dayQuery },
      async (request) => {
        return dayView(deps, ...storeDayOf(deps, request.query))
      },
    )
  }
}
