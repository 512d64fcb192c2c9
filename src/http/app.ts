import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Totals } from '../gold/gold-reader.js'
import { HttpError } from './http-error.js'
import { RoleCheck, type Role, type RoleOptions } from './roles.js'
import { goldRoutes } from './routes/gold.js'
import { healthRoutes } from './routes/health.js'
import { rejectsRoutes } from './routes/rejects.js'
import { snapshotRoutes } from './routes/snapshots.js'
import type { SnapshotFile, SnapshotPage } from '../snapshot/snapshot-reader.js'
import { totalsRoutes } from './routes/totals.js'

/** What the HTTP API reads; plain functions, so tests can give their own. */
export interface AppDeps {
  storeId: string
  /** The store's time zone now (dim_store, else the config's): what "today" means. */
  timeZoneOf: (storeId: string) => string
  tokens: ConstructorParameters<typeof RoleCheck>[0]
  logger: Logger
  now: () => number
  totals: (storeId: string, date: string) => Totals
  goldTable: (table: string, storeId: string, from: string, to: string, limit: number) => Record<string, unknown>[]
  rejects: (query: { limit: number; reason?: string; before?: number }) => Record<string, unknown>[]
  /** The snapshots after a cursor; asking acknowledges everything up to it. */
  snapshotsAfter: (cursor: number, limit: number, gatewayId?: string) => SnapshotPage
  snapshotFile: (snapshotId: string, path: string) => Promise<SnapshotFile | 'gone' | undefined>
  goldTables: readonly string[]
  /** Why the daemon is not ready (empty: ready). */
  notReady: () => string[]
  metrics: Registry
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Throws 401/403 unless the request's bearer token grants one of the roles. */
    requireRole(roles: readonly Role[], options?: RoleOptions): void
  }
}

/**
 * The daemon's HTTP API [CONTRACT: HTTP], built from its dependencies and tested with inject();
 * server.ts only listens. Every error is `{ "error": { code, message } }` with its status; a bad
 * request is a 4xx, never a 500.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  // pino is what fastify logs with; its types differ in detail only.
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // No log line per request: the dashboard polls; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // An unknown query parameter is a mistake to report (400), not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
  })
  const roles = new RoleCheck(deps.tokens)
  app.decorateRequest('requireRole', function requireRole(this: { headers: Record<string, string | string[] | undefined> }, allowed: readonly Role[], options?: RoleOptions) {
    const header = this.headers.authorization
    roles.require(allowed, Array.isArray(header) ? header[0] : header, options)
  })

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      if (error.statusCode === 401) reply.header('www-authenticate', 'Bearer')
      return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message } })
    }
    if (error.validation) {
      return reply.status(400).send({ error: { code: 'BAD_REQUEST', message: `${error.validationContext ?? 'request'} ${error.message.replace(/^(querystring|params)\s*/, '')}` } })
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: { code: error.code ?? 'BAD_REQUEST', message: error.message } })
    }
    request.log.error({ err: error, url: request.url }, 'request failed')
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error; see the daemon log' } })
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } })
  })

  app.register(healthRoutes(deps))
  app.register(totalsRoutes(deps))
  app.register(goldRoutes(deps))
  app.register(rejectsRoutes(deps))
  app.register(snapshotRoutes(deps))
  return app
}
