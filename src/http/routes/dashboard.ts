import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { DashboardAssets } from '../dashboard-assets.js'
import { MedallionError } from '../../errors.js'

/** The page may load only from the gateway itself: the browser refuses anything else. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/**
 * GET / (the staff page) and GET /assets/{file}: open to anyone who reaches the port, since they
 * hold no data; the page asks the API, which checks the roles.
 */
export function dashboardRoutes(assets: DashboardAssets | undefined): FastifyPluginAsync {
  return async (app) => {
    // Compressed at build time (dashboard-assets.ts): nothing for the API's compression to do.
    app.get('/', { compress: false }, (request, reply) => sendAsset(assets, '/', request, reply))
    app.get<{ Params: { file: string } }>('/assets/:file', { compress: false }, (request, reply) =>
      sendAsset(assets, `/assets/${request.params.file}`, request, reply),
    )
  }
}

function sendAsset(assets: DashboardAssets | undefined, path: string, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (assets === undefined) throw new MedallionError('DASHBOARD_NOT_BUILT', 'the staff page was not built: run npm run build')
  const asset = assets.files.get(path)
  if (asset === undefined) throw new MedallionError('NOT_FOUND', `no file ${path}`)
  // Weak: the same file is sent as Brotli, gzip or plain bytes, byte-different representations.
  reply.header('etag', `W/${asset.etag}`)
  reply.header('vary', 'accept-encoding')
  reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
  reply.header('x-content-type-options', 'nosniff')
  if (!asset.immutable) {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
    reply.header('referrer-policy', 'no-referrer')
  }
  if (request.headers['if-none-match'] === `W/${asset.etag}`) return reply.status(304).send()
  const encoding = assets.encodingFor(request.headers['accept-encoding'])
  if (encoding !== 'identity') reply.header('content-encoding', encoding)
  return reply.type(asset.type).send(asset.bodies[encoding])
}
