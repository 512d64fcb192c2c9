import compress from '@fastify/compress'
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify'
import type { RequestListener, Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { Counter, Gauge, type Registry } from 'prom-client'
import { answerClientError } from './client-errors.js'
import type { AppDeps } from './app-deps.js'
import { dayView, storeToday } from './dates.js'
import { errorFields, isMedallionError, MedallionError } from '../errors.js'
import { LiveDayHub, type LiveOptions } from './live/live-day-hub.js'
import type { Role, RoleOptions } from './roles.js'
import { dashboardRoutes } from './routes/dashboard.js'
import { eventRoutes } from './routes/events.js'
import { goldRoutes } from './routes/gold.js'
import { healthRoutes } from './routes/health.js'
import { healthPanelRoutes } from './routes/health-panels.js'
import { rejectsRoutes } from './routes/rejects.js'
import { sessionRoutes } from './routes/session.js'
import { snapshotRoutes } from './routes/snapshots.js'
import { topProductsRoutes } from './routes/top-products.js'
import { totalsRoutes } from './routes/totals.js'
import { inventoryRoutes } from './routes/inventory.js'

/**
 * The live stream's pace: gold's refresh log is looked at when gold says it refreshed
 * (`AppDeps.onGoldRefreshed`), and every 5 s for changes other processes make (a `gold rebuild`);
 * health pushed every 5 s. (It was polled every 500 ms: a sale waited up to that long more, and the
 * poll cost two reads a second forever; docs/benchmarks.md, "Sale to page".)
 */
export const LIVE_DEFAULTS: LiveOptions = { pollMs: 5000, healthMs: 5000, pingMs: 15_000, retryMs: 2000, maxStreams: 500 }

/**
 * The API's answers are compressed (Brotli or gzip, as the client accepts) from this size up:
 * below it, the headers a compression adds and the CPU it costs outweigh the bytes saved.
 */
export const COMPRESS_THRESHOLD_BYTES = 1024

/**
 * What is compressed: JSON and text (the Prometheus exposition). Not text/event-stream (a
 * compressor holds bytes back, and each live event must be flushed at once), not Parquet (already
 * compressed), not the staff page (its files carry their Brotli and gzip forms from the build).
 */
const COMPRESSED_TYPES = /^(?:application\/json|text\/plain)(?:;|$)/

/** How the app's own server is made (tests that inject() need none of it). */
export interface AppServer {
  /**
   * Serve HTTPS. The server is made without a certificate: the listener sets one before it listens
   * and again at each reload (server.ts), so a certificate file is read where its errors are reported.
   */
  https?: boolean
  /** fastify's trustProxy: whose X-Forwarded-* headers make request.ip, .protocol and .host (http.trustProxy). */
  trustProxy?: boolean | number | string[]
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The roles the request's bearer token grants (401 for a token no role has). */
    grantedRoles(): Role[]
  }
  /**
   * A route's access rule: the roles that may call it (`openWithoutStaffToken`: staff's routes are
   * open while no staff token is set). Checked before anything else of the request, so a caller
   * without the role learns nothing from validation errors (401/403 before 400).
   */
  interface FastifyContextConfig extends RoleOptions {
    roles?: readonly Role[]
  }
}

/**
 * The daemon's HTTP API (docs/gold.md, "HTTP API"), built from its dependencies and tested with inject();
 * server.ts only listens. Every error is `{ "error": { code, message } }` with its status; a bad
 * request is a 4xx, never a 500.
 */
export function buildApp(deps: AppDeps, server: AppServer = {}): FastifyInstance {
  const requests = new Counter({
    name: 'medallion_http_requests_total',
    help: 'HTTP requests by route pattern and status (the staff page is route "/"; its live streams are counted apart; "unparsed": refused by the HTTP parser)',
    labelNames: ['route', 'status'],
    registers: [deps.metrics],
  })
  // Node answers an HTTP/1.1 request without Host itself, with an empty 400: the app does, in its own shape.
  const serverOptions = { requireHostHeader: false }
  const options: FastifyHttpOptions<Server> = {
    // pino is what fastify logs with; its types differ in detail only.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // No log line per request: the dashboard polls; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // An unknown query parameter is a mistake to report (400), not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
    // A hop count is proxy-addr's too; fastify's types leave it out.
    trustProxy: (server.trustProxy ?? false) as FastifyServerOptions['trustProxy'],
    http: serverOptions,
    clientErrorHandler: (error, socket) => answerClientError(error, socket, (status) => requests.inc({ route: 'unparsed', status: String(status) })),
  }
  // An https server that is a plain http.Server to everything that uses it (fastify's types would
  // make the whole app generic over the server kind for this one line).
  if (server.https) Object.assign(options, { serverFactory: (handler: RequestListener) => createHttpsServer(serverOptions, handler) })
  const app = Fastify(options)
  app.register(compress, {
    // Brotli at the plugin's quality 4: a 9 KB day view took 64 µs to 825 B, gzip's default 52 µs
    // to 943 B (Node 24, x64, in a loop); quality 11, the build's, is for files made once.
    encodings: ['br', 'gzip'],
    threshold: COMPRESS_THRESHOLD_BYTES,
    customTypes: COMPRESSED_TYPES,
    // Only the stock import takes a body, and plain: nothing to inflate.
    globalDecompression: false,
  })
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined)
      throw new MedallionError('BAD_REQUEST', 'an HTTP/1.1 request must carry a Host header (RFC 9112, 3.2)')
  })
  const { roles } = deps
  app.addHook('onRequest', async (request) => {
    const { roles: allowed, openWithoutStaffToken } = request.routeOptions.config
    if (allowed) roles.require(allowed, authorizationOf(request.headers), { openWithoutStaffToken })
  })
  app.decorateRequest('grantedRoles', function grantedRoles(this: { headers: Record<string, string | string[] | undefined> }) {
    return roles.rolesOf(authorizationOf(this.headers))
  })

  app.setErrorHandler((error: FastifyError | MedallionError, request, reply) => {
    if (isMedallionError(error)) {
      if (error.statusCode !== undefined) {
        if (error.statusCode === 401) reply.header('www-authenticate', 'Bearer')
        return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message } })
      }
    } else if (error.validation) {
      return reply
        .status(400)
        .send({ error: { code: 'BAD_REQUEST', message: `${error.validationContext ?? 'request'} ${error.message.replace(/^(querystring|params)\s*/, '')}` } })
    } else if (error.statusCode && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: { code: error.code ?? 'BAD_REQUEST', message: error.message } })
    }
    // Not the client's doing: a coded error is logged with its code and no stack, anything else with its stack.
    // request.ip: the client's, through a proxy it trusts (http.trustProxy), else the peer's.
    request.log.error({ ...errorFields(error), url: request.url, ip: request.ip }, 'request failed')
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error; see the daemon log' } })
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } })
  })

  const hub = new LiveDayHub(
    {
      now: deps.now,
      todayOf: (storeId) => storeToday(deps, storeId),
      readToday: (storeId) => dayView(deps, storeId, storeToday(deps, storeId)),
      lastRefreshSeq: deps.lastRefreshSeq,
      refreshedSince: deps.refreshedSince,
      healthOf: (storeId) => {
        const { devices, ...counts } = deps.deviceHealth(storeId)
        return { pipeline: deps.pipelineHealth(storeId), devices: counts }
      },
    },
    { ...LIVE_DEFAULTS, ...deps.live },
    deps.logger.child({ component: 'live' }),
  )
  deps.onGoldRefreshed?.(() => hub.refreshed())
  app.addHook('preClose', async () => hub.stop())
  countRequests(app, requests, deps.metrics, hub)

  app.register(dashboardRoutes(deps.assets))
  app.register(sessionRoutes(deps))
  app.register(healthRoutes(deps))
  app.register(totalsRoutes(deps))
  app.register(inventoryRoutes(deps))
  app.register(topProductsRoutes(deps))
  app.register(healthPanelRoutes(deps))
  app.register(eventRoutes(deps, hub))
  app.register(goldRoutes(deps))
  app.register(rejectsRoutes(deps))
  app.register(snapshotRoutes(deps))
  return app
}

function authorizationOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers.authorization
  return Array.isArray(header) ? header[0] : header
}

/** Requests by route and status, and the live streams, in /metrics (one counter bump per request). */
function countRequests(app: FastifyInstance, requests: Counter<'route' | 'status'>, registry: Registry, hub: LiveDayHub): void {
  app.addHook('onResponse', async (request, reply) => {
    requests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) })
  })
  new Gauge({
    name: 'medallion_live_streams',
    help: 'Open live event streams (staff pages)',
    registers: [registry],
    collect() {
      this.set(hub.streams)
    },
  })
  // A stream leaves fastify's life cycle when it opens (hijacked): onResponse never sees it.
  new Counter({
    name: 'medallion_live_streams_opened_total',
    help: 'Live event streams opened since start',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(hub.streamsOpened)
    },
  })
  new Counter({
    name: 'medallion_live_view_reads_total',
    help: "Reads of a store's today for the live streams (one per gold change, whatever the number of pages)",
    registers: [registry],
    collect() {
      this.reset()
      this.inc(hub.viewReads)
    },
  })
  new Counter({
    name: 'medallion_live_events_total',
    help: 'Events written to live streams',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(hub.eventsSent)
    },
  })
}
