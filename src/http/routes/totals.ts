import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app-deps.js'
import { dayTotals, dayView, storeDayOf, STORE_ID_PARAMETER } from '../dates.js'
import { dayTagOf, etagOf, matchesIfNoneMatch } from '../day-etag.js'

const dayQuery = { querystring: { type: 'object', properties: { date: { type: 'string' }, store_id: STORE_ID_PARAMETER }, additionalProperties: false } }

/**
 * GET /api/v1/totals?date=YYYY-MM-DD&store_id=: the staff totals of a day (default: today, store
 * time); GET /api/v1/day: the same with the day's top products, what the staff page shows (one
 * request for its first paint, the shape of the live stream's `day` event). `/day` carries an
 * ETag of its exact bytes: If-None-Match gets a 304, and the live stream given it as `day_etag`
 * does not send the same figures again (routes/events.ts).
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
      async (request, reply) => {
        // Serialized here, as the live stream does, so that the tag is of the exact bytes sent.
        const json = JSON.stringify(dayView(deps, ...storeDayOf(deps, request.query)))
        const tag = dayTagOf(json)
        reply.header('etag', etagOf(tag))
        if (matchesIfNoneMatch(request.headers['if-none-match'], tag)) return reply.status(304).send()
        return reply.type('application/json; charset=utf-8').send(json)
      },
    )
  }
}
