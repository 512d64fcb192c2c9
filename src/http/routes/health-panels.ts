import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app-deps.js'
import { storeOf, STORE_ID_PARAMETER } from '../dates.js'

const storeQuery = { querystring: { type: 'object', properties: { store_id: STORE_ID_PARAMETER }, additionalProperties: false } }

/**
 * The staff page's health panels: GET /api/v1/pipeline (last sale, silver and gold lag, rejects
 * today by reason, upload backlog) and GET /api/v1/devices (a store's devices: seen today,
 * connected, last sale, silent). Staff, open without a staff token like the totals.
 */
export function healthPanelRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { store_id?: string } }>(
      '/api/v1/pipeline',
      { config: { roles: ['staff', 'central'], openWithoutStaffToken: true }, schema: storeQuery },
      async (request) => {
        return deps.pipelineHealth(storeOf(deps, request.query))
      },
    )
    app.get<{ Querystring: { store_id?: string } }>(
      '/api/v1/devices',
      { config: { roles: ['staff', 'central'], openWithoutStaffToken: true }, schema: storeQuery },
      async (request) => {
        return deps.deviceHealth(storeOf(deps, request.query))
      },
    )
  }
}
