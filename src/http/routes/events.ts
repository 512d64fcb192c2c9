import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app-deps.js'
import { storeOf, STORE_ID_PARAMETER } from '../dates.js'
import { opaqueTagOf } from '../day-etag.js'
import { MedallionError } from '../../errors.js'
import { EventStream } from '../live/event-stream.js'
import type { LiveDayHub } from '../live/live-day-hub.js'
import type { Role, RoleOptions } from '../roles.js'

/** Who may open the stream: checked at its request, and again for every open stream when the tokens change. */
const STREAM_ROLES: readonly Role[] = ['staff', 'central']
const STREAM_ACCESS: RoleOptions = { openWithoutStaffToken: true }

/**
 * GET /api/v1/events?store_id=: the staff page's live stream (text/event-stream). Events:
 * `day` (today's totals and top products, at once and after every gold change of today), `changed`
 * (the store-days gold rewrote: a page on a past day refetches it) and `health` (every few
 * seconds). `day_etag`: the ETag of the GET /api/v1/day the page has drawn; the first `day` is
 * not sent when today's view is those same bytes (issue 20: today's figures arrived twice).
 * A stream outlives the check of its request: when the tokens change (SIGHUP), every stream whose
 * Authorization no longer passes is ended at once (issue 20: a changed token kept its figures).
 */
export function eventRoutes(deps: AppDeps, hub: LiveDayHub): FastifyPluginAsync {
  return async (app) => {
    const stopRechecking = deps.roles.onUpdate(() => {
      const closed = hub.recheck((authorization) => deps.roles.allows(STREAM_ROLES, authorization, STREAM_ACCESS))
      if (closed > 0) deps.logger.info({ closed }, 'live streams whose token no longer passes were ended')
    })
    app.addHook('onClose', async () => stopRechecking())
    app.get<{ Querystring: { store_id?: string; day_etag?: string } }>(
      '/api/v1/events',
      {
        config: { roles: STREAM_ROLES, ...STREAM_ACCESS },
        // Never compressed: a compressor holds bytes back, and each event must reach the page at once.
        compress: false,
        schema: {
          querystring: {
            type: 'object',
            properties: { store_id: STORE_ID_PARAMETER, day_etag: { type: 'string', maxLength: 64 } },
            additionalProperties: false,
          },
        },
      },
      async (request, reply) => {
        if (hub.full) throw new MedallionError('TOO_MANY_STREAMS', 'too many open event streams; the page polls instead')
        reply.hijack()
        const stream = new EventStream(reply.raw)
        const { day_etag: dayEtag } = request.query
        const unsubscribe = hub.subscribe(storeOf(deps, request.query), stream, {
          authorization: request.headers.authorization,
          dayTag: dayEtag === undefined ? undefined : opaqueTagOf(dayEtag),
        })
        reply.raw.once('close', unsubscribe)
      },
    )
  }
}
