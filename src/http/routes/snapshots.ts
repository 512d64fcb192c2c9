import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app-deps.js'
import { MedallionError } from '../../errors.js'

/**
 * Central pull (docs/gold.md, "HTTP API"): `GET /api/v1/snapshots?after=CURSOR` lists manifests after a
 * cursor (the `seq` of the last one central holds: asking acknowledges it, unless `gateway_id`
 * names another data directory than this one, whose seqs the cursor counts), `GET /api/v1/snapshots/{id}/files/{path}` serves a file
 * a manifest names. Central role.
 */
export function snapshotRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { after: number; limit: number; gateway_id?: string } }>(
      '/api/v1/snapshots',
      {
        config: { roles: ['central'] },
        schema: {
          querystring: {
            type: 'object',
            properties: {
              after: { type: 'integer', minimum: 0, default: 0 },
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
              gateway_id: { type: 'string', maxLength: 100 },
            },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const page = deps.snapshotsAfter(request.query.after, request.query.limit, request.query.gateway_id)
        return { ...page, next_after: page.snapshots.at(-1)?.seq ?? request.query.after }
      },
    )

    app.get<{ Params: { id: string; '*': string } }>('/api/v1/snapshots/:id/files/*', { config: { roles: ['central'] } }, async (request, reply) => {
      const found = await deps.snapshotFile(request.params.id, request.params['*'])
      if (found === undefined) throw new MedallionError('NOT_FOUND', `snapshot ${request.params.id} has no file ${request.params['*']}`)
      if (found === 'gone') {
        throw new MedallionError(
          'GONE',
          'the file is no longer here: delivered and removed by the disk bound (snapshot.maxDiskMiB), or damaged on disk (the day is made again as a new version)',
        )
      }
      reply.header('content-type', 'application/vnd.apache.parquet')
      reply.header('etag', `"${found.sha256}"`)
      return reply.send(found.body)
    })
  }
}
