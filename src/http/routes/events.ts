import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app.js'
import { storeOf, STORE_ID_PARAMETER } from '../dates.js'
import { MedallionError } from '../../errors.js'
import { EventStream } from '../live/event-stream.js'
import type { LiveDayHub } from '../live/live-day-hub.js'

/**
 * GET /api/v1/events?store_id=: the staff page's live stream (text/event-stream). Events:
 * `day` (today's totals and top products, after every gold change of today), `changed` (the
 * store-days gold rewrote: a page on a past day refetches it) and `health` (every few seconds).
 */
export function eventRoutes(deps: AppDeps, hub: LiveDayHub): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { store_id?: string } }>(
      '/api/v1/events',
      {
        config: { roles: ['staff', 'central'], openWithoutStaffToken: true },
        schema: { querystring: { type: 'object', properties: { store_id: STORE_ID_PARAMETER }, additionalProperties: false } },
      },
      async (request, reply) => {
        if (hub.full) throw new MedallionError('TOO_MANY_STREAMS', 'too many open event streams; the page polls instead')
        reply.hijack()
        const stream = new EventStream(reply.raw)
        const unsubscribe = hub.subscribe(storeOf(deps, request.query), stream)
        reply.raw.once('close', unsubscribe)
      },
    )
  }
}
