import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app-deps.js'

/** GET /api/v1/rejects?limit=&reason=&before=: the latest refused messages, newest first (admin). */
export function rejectsRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { limit: number; reason?: string; before?: number } }>(
      '/api/v1/rejects',
      {
        config: { roles: ['admin'] },
        schema: {
          querystring: {
            type: 'object',
            properties: {
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
              reason: { type: 'string', pattern: '^[a-z0-9_]{1,40}$' },
              before: { type: 'integer', minimum: 1 },
            },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const rows = deps.rejects({ limit: request.query.limit, reason: request.query.reason, before: request.query.before })
        return { rejects: rows, next_before: rows.length > 0 ? (rows.at(-1)!.id as number) : null }
      },
    )
  }
}
