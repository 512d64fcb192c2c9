import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app-deps.js'
import { storeDayOf, storeOf, storeToday, STORE_ID_PARAMETER } from '../dates.js'

const dayQuery = { querystring: { type: 'object', properties: { date: { type: 'string' }, store_id: STORE_ID_PARAMETER }, additionalProperties: false } }
const storeQuery = { querystring: { type: 'object', properties: { store_id: STORE_ID_PARAMETER }, additionalProperties: false } }
const STAFF = { roles: ['staff', 'central'] as const, openWithoutStaffToken: true }

/**
 * GET /api/v1/inventory?date=&store_id=: a store-day's stock position, gold.fact_inventory's rows
 * (default: today on the store's clock); GET /api/v1/inventory/now: each product's stock now, with
 * days of cover and `out` / `low` (docs/inventory.md). Staff, like the totals.
 */
export function inventoryRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { date?: string; store_id?: string } }>('/api/v1/inventory', { config: STAFF, schema: dayQuery }, async (request) => {
      const [storeId, date] = storeDayOf(deps, request.query)
      return { date, store_id: storeId, as_of: deps.goldAsOf(), rows: deps.inventoryDay(storeId, date) }
    })
    app.get<{ Querystring: { store_id?: string } }>('/api/v1/inventory/now', { config: STAFF, schema: storeQuery }, async (request) => {
      const storeId = storeOf(deps, request.query)
      const { date, products } = deps.inventoryNow(storeId, storeToday(deps, storeId))
      return { store_id: storeId, date, as_of: deps.goldAsOf(), products }
    })
  }
}
