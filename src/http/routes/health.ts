import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app-deps.js'

/** /healthz (the process answers), /readyz (it can take sales), /metrics (Prometheus). */
export function healthRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => ({ status: 'ok' }))
    app.get('/readyz', async (_request, reply) => {
      const reasons = deps.notReady()
      if (reasons.length > 0) return reply.status(503).send({ status: 'not ready', reasons })
      return { status: 'ready' }
    })
    app.get('/metrics', { config: { roles: ['staff', 'central'] } }, async (_request, reply) => {
      reply.header('content-type', deps.metrics.contentType)
      return deps.metrics.metrics()
    })
  }
}
