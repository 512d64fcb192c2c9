import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app-deps.js'
import { storeDayOf, STORE_ID_PARAMETER } from '../dates.js'

/** GET /api/v1/top-products?date=&store_id=&limit=: the day's best sellers by amount (gold.fact_daily_product_sales). */
export function topProductsRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { date?: string; store_id?: string; limit: number } }>(
      '/api/v1/top-products',
      {
        config: { roles: ['staff', 'central'], openWithoutStaffToken: true },
        schema: {
          querystring: {
            type: 'object',
            properties: { date: { type: 'string' }, store_id: STORE_ID_PARAMETER, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 10 } },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const [storeId, date] = storeDayOf(deps, request.query)
        return { date, store_id: storeId, currency: deps.dashboard.currency.code, products: deps.topProducts(storeId, date, request.query.limit) }
      },
    )
  }
}
