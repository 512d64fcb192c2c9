import { deleteInSteps, idsParameter } from '../db/delete-in-steps.js'
import type { SqliteDatabase } from '../db/open.js'

/**
 * Bronze's deletes for retention, which decides what goes (src/retention/retention.ts): bronze
 * keeps no day of its own, so the sales to prune are named by id, found through silver.
 */

/** Bronze's tables of events (bronze/event-kinds.ts), each pruned by id. */
export type BronzeEventTable = 'iot_sales_raw' | 'iot_sale_voids' | 'iot_inventory_raw'

/**
 * Deletes the events of `table` that `findIds(limit)` lists (ids still in bronze: the listing must
 * stop once they are gone), a step at a time. Returns the rows deleted.
 */
export function pruneBronzeEvents(db: SqliteDatabase, table: BronzeEventTable, findIds: (limit: number) => readonly number[]): number {
  const remove = db.prepare(`DELETE FROM bronze.${table} WHERE id IN (SELECT value FROM json_each(?))`)
  return deleteInSteps(findIds, (ids) => remove.run(idsParameter(ids)).changes)
}

/** Rejects received before `beforeIso` (their byte bound is kept at every commit, bronze-store.ts), a step at a time. */
export function pruneRejects(db: SqliteDatabase, beforeIso: string): number {
  const find = db.prepare('SELECT id FROM bronze.iot_sales_rejects WHERE received_at < ? ORDER BY id LIMIT ?').pluck()
  const remove = db.prepare('DELETE FROM bronze.iot_sales_rejects WHERE id IN (SELECT value FROM json_each(?))')
  return deleteInSteps(
    (limit) => find.all(beforeIso, limit) as number[],
    (ids) => remove.run(idsParameter(ids)).changes,
  )
}
