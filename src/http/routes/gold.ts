import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app-deps.js'
import { checkDate, daysBetween, storeOf, storeToday, STORE_ID_PARAMETER } from '../dates.js'
import { MedallionError } from '../../errors.js'

const MAX_DAYS = 366
const MAX_ROWS = 100_000

/**
 * GET /api/v1/gold/{table}?from=&to=&store_id=: a store's rows (default: the config's store) of a gold table for a date range (default:
 * today), in primary-key order; `truncated` says the range held more than MAX_ROWS.
 */
export function goldRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { table: string }; Querystring: { from?: string; to?: string; store_id?: string } }>(
      '/api/v1/gold/:table',
      {
        config: { roles: ['staff', 'central'] },
        schema: {
          querystring: {
            type: 'object',
            properties: { from: { type: 'string' }, to: { type: 'string' }, store_id: STORE_ID_PARAMETER },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const { table } = request.params
        if (!deps.goldTables.includes(table)) {
          throw new MedallionError('UNKNOWN_TABLE', `no gold table '${table}'; there are ${deps.goldTables.join(', ')}`)
        }
        const storeId = storeOf(deps, request.query)
        const today = storeToday(deps, storeId)
        const from = checkDate('from', request.query.from ?? request.query.to ?? today)
        const to = checkDate('to', request.query.to ?? from)
        if (to < from) throw new MedallionError('BAD_REQUEST', `to (${to}) is before from (${from})`)
        if (daysBetween(from, to) > MAX_DAYS) throw new MedallionError('BAD_REQUEST', `at most ${MAX_DAYS} days at a time`)
        const rows = deps.goldTable(table, storeId, from, to, MAX_ROWS + 1)
        return { table, store_id: storeId, from, to, truncated: rows.length > MAX_ROWS, rows: rows.slice(0, MAX_ROWS) }
      },
    )
  }
}
