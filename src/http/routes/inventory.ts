import type { FastifyPluginAsync } from 'fastify'
import type { StockFilter } from '../../gold/stock-reader.js'
import type { AppDeps, StockQuery } from '../app-deps.js'
import { ID_PATTERN } from '../../contract/ids.js'
import { MedallionError } from '../../errors.js'
import { formatOf } from '../../util/record-format.js'
import { storeDayOf, storeOf, storeToday, STORE_ID_PARAMETER } from '../dates.js'

/** A page of products: which (`status`), after which product id (`after`, from `next_after`), how many. */
const PAGE_PARAMETERS = {
  status: { type: 'string', enum: ['all', 'out', 'low'], default: 'all' },
  after: { type: 'integer', minimum: 0 },
  limit: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
}
const dayQuery = {
  querystring: { type: 'object', properties: { date: { type: 'string' }, store_id: STORE_ID_PARAMETER, ...PAGE_PARAMETERS }, additionalProperties: false },
}
const storeQuery = { querystring: { type: 'object', properties: { store_id: STORE_ID_PARAMETER, ...PAGE_PARAMETERS }, additionalProperties: false } }
interface PageQuery {
  status: StockFilter
  after?: number
  limit: number
}
/** The page a query asks for: product ids start at 0, so "after nothing" is -1. */
const pageOf = (query: PageQuery): StockQuery => ({ filter: query.status, after: query.after ?? -1, limit: query.limit })
const STAFF = { roles: ['staff', 'central'] as const, openWithoutStaffToken: true }

/**
 * GET /api/v1/inventory?date=&store_id=: a store-day's stock position, gold.fact_inventory's rows
 * (default: today on the store's clock); GET /api/v1/inventory/now: each product's stock now, with
 * days of cover and `out` / `low` (docs/inventory.md). Both in pages by product id (`status`,
 * `after`, `limit`; `next_after` continues): a store of 20,000 products is 5 MB of JSON, which one
 * answer would build on the broker's thread. Staff, like the totals.
 */
export function inventoryRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: PageQuery & { date?: string; store_id?: string } }>('/api/v1/inventory', { config: STAFF, schema: dayQuery }, async (request) => {
      const [storeId, date] = storeDayOf(deps, request.query)
      const { rows, next_after } = deps.inventoryDay(storeId, date, pageOf(request.query))
      return { date, store_id: storeId, as_of: deps.goldAsOf(), rows, next_after }
    })
    app.get<{ Querystring: PageQuery & { store_id?: string } }>('/api/v1/inventory/now', { config: STAFF, schema: storeQuery }, async (request) => {
      const storeId = storeOf(deps, request.query)
      const { date, products, next_after } = deps.inventoryNow(storeId, storeToday(deps, storeId), pageOf(request.query))
      return { store_id: storeId, date, as_of: deps.goldAsOf(), products, next_after }
    })
    app.register(stockImportRoute(deps))
  }
}

/** The largest file of counts the API takes in one request (a store of 20,000 products is ~1.5 MiB of CSV). */
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024
const IMPORT_TYPES = ['text/csv', 'text/plain', 'application/x-ndjson', 'application/jsonl', 'application/json']
const importQuery = {
  querystring: {
    type: 'object',
    properties: { device_id: { type: 'string', pattern: ID_PATTERN.source, default: 'import' }, allow_rejects: { type: 'boolean', default: false } },
    additionalProperties: false,
  },
}

/**
 * POST /api/v1/inventory/counts (admin): a file of stock counts as the body (CSV with a header as
 * text/csv, JSON lines as application/x-ndjson), stored in bronze as `inventory import` stores it
 * (docs/inventory.md), answered with the summary once it is on disk. Its own plugin: the body
 * parsers it takes are for this route only.
 */
function stockImportRoute(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers()
    // The bytes as sent: the import checks they are UTF-8 (a string parser would put U+FFFD in the stored text).
    app.addContentTypeParser(IMPORT_TYPES, { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body))
    app.post<{ Querystring: { device_id: string; allow_rejects: boolean }; Body: Buffer }>(
      '/api/v1/inventory/counts',
      { config: { roles: ['admin'] }, schema: importQuery, bodyLimit: IMPORT_BODY_LIMIT },
      async (request) => {
        if (!deps.importStock) throw new MedallionError('NOT_FOUND', 'this server takes no stock imports')
        const format = formatOf(request.headers['content-type'] ?? '')
        return deps.importStock(request.body, format, request.query.device_id, request.query.allow_rejects)
      },
    )
  }
}
