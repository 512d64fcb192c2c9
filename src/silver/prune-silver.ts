import { lockedTransaction } from '../db/locked-transaction.js'
import type { SqliteDatabase } from '../db/open.js'

/**
 * Silver's deletes for retention, which decides what goes (src/retention/retention.ts), and the
 * only writer of `silver.pruned_days`: the marks that keep a pruned day pruned (a late sale for it
 * is quarantined, gold never recomputes it from the empty silver).
 */

/** A store's day, as silver and gold key their rows. */
export interface PrunedDay {
  store_id: string
  sale_date: string
}

/** Marks days pruned, in one transaction: first, so a run cut short finishes them the next time. */
export function markDaysPruned(db: SqliteDatabase, days: readonly PrunedDay[], nowMs: number): void {
  lockedTransaction(db, 'silver', () => {
    const mark = db.prepare('INSERT OR IGNORE INTO silver.pruned_days (store_id, sale_date, pruned_at) VALUES (?, ?, ?)')
    for (const day of days) mark.run(day.store_id, day.sale_date, new Date(nowMs).toISOString())
  })
}

/**
 * Silver's rows of a store-day, each from one bronze table: the sales (by sale_date) and the
 * inventory movements (by stock_date, docs/inventory.md). A pruned day's go, both.
 */
export const DAY_ROWS = {
  sales: { table: 'sales_enriched', day: 'sale_date', bronze: 'iot_sales_raw' },
  movements: { table: 'inventory_movements', day: 'stock_date', bronze: 'iot_inventory_raw' },
} as const
export type DayRows = (typeof DAY_ROWS)[keyof typeof DAY_ROWS]

/** Marked days whose rows are still there: new marks, or a run cut short. */
export function markedDaysWith(db: SqliteDatabase, rows: DayRows): PrunedDay[] {
  return db
    .prepare(
      `SELECT p.store_id, p.sale_date FROM silver.pruned_days p
    WHERE EXISTS (SELECT 1 FROM silver.${rows.table} r WHERE r.store_id = p.store_id AND r.${rows.day} = p.sale_date)`,
    )
    .all() as PrunedDay[]
}

/** The bronze ids of a day's rows still in bronze, `limit` at a time (bronze's prune deletes them first). */
export function bronzeIdsOfDay(db: SqliteDatabase, rows: DayRows, day: PrunedDay): (limit: number) => number[] {
  const find = db
    .prepare(
      `SELECT r.bronze_id FROM silver.${rows.table} r JOIN bronze.${rows.bronze} b ON b.id = r.bronze_id
      WHERE r.store_id = ? AND r.${rows.day} = ? LIMIT ?`,
    )
    .pluck()
  return (limit) => find.all(day.store_id, day.sale_date, limit) as number[]
}

/** Deletes a marked day's rows. Returns the rows deleted. */
export function pruneDayRows(db: SqliteDatabase, rows: DayRows, day: PrunedDay): number {
  return lockedTransaction(
    db,
    'silver',
    () => db.prepare(`DELETE FROM silver.${rows.table} WHERE store_id = ? AND ${rows.day} = ?`).run(day.store_id, day.sale_date).changes,
  )
}

/** The bronze ids of sales quarantined before the instant, still in bronze, `limit` at a time. */
export function bronzeIdsQuarantinedBefore(db: SqliteDatabase, beforeIso: string): (limit: number) => number[] {
  const find = db
    .prepare(
      `SELECT q.bronze_id FROM silver.sales_quarantine q JOIN bronze.iot_sales_raw b ON b.id = q.bronze_id
    WHERE q.quarantined_at < ? LIMIT ?`,
    )
    .pluck()
  return (limit) => find.all(beforeIso, limit) as number[]
}

/** Deletes sales quarantined before the instant. Returns the rows deleted. */
export function pruneQuarantine(db: SqliteDatabase, beforeIso: string): number {
  return lockedTransaction(db, 'silver', () => db.prepare('DELETE FROM silver.sales_quarantine WHERE quarantined_at < ?').run(beforeIso).changes)
}

/**
 * Marks pruned days before the cutoff whose gold goes too (`gold_pruned_at`), `daysPerStep` to a
 * transaction. Marked first: a run cut short after it leaves gold rows the next run removes, never
 * a snapshot of a half-deleted day. The mark stays (a row per store-day): a sale replayed years
 * later is still quarantined, and the day is never snapshotted again from its missing gold.
 */
export function markGoldPruned(db: SqliteDatabase, cutoff: string, nowMs: number, daysPerStep: number): void {
  const days = db
    .prepare('SELECT store_id, sale_date FROM silver.pruned_days WHERE sale_date < ? AND gold_pruned_at IS NULL ORDER BY sale_date')
    .all(cutoff) as PrunedDay[]
  for (let at = 0; at < days.length; at += daysPerStep) {
    const step = days.slice(at, at + daysPerStep)
    lockedTransaction(db, 'silver', () => {
      const mark = db.prepare('UPDATE silver.pruned_days SET gold_pruned_at = ? WHERE store_id = ? AND sale_date = ?')
      for (const day of step) mark.run(new Date(nowMs).toISOString(), day.store_id, day.sale_date)
    })
  }
}

/**
 * The voids retention may forget, as SQL over `silver.sale_voids` (its `?` the cutoff, epoch ms): an
 * applied one once its line's day is pruned (before, a silver rebuild of the day needs it to keep
 * the line voided); any other (pending, a repeat, refused) once older than the cutoff.
 */
const FORGETTABLE_VOIDS = `(v.state <> 'applied' AND v.sale_ts_ms < ?) OR (v.state = 'applied' AND EXISTS
  (SELECT 1 FROM silver.pruned_days p WHERE p.store_id = v.line_store_id AND p.sale_date = v.line_sale_date))`

/** The voids retention forgets, `limit` at a time while their bronze rows are there (bronze's prune deletes them first). */
export function bronzeIdsOfForgettableVoids(db: SqliteDatabase, beforeMs: number): (limit: number) => number[] {
  const find = db
    .prepare(`SELECT v.void_id FROM silver.sale_voids v JOIN bronze.iot_sale_voids b ON b.id = v.void_id WHERE ${FORGETTABLE_VOIDS} LIMIT ?`)
    .pluck()
  return (limit) => find.all(beforeMs, limit) as number[]
}

/** Forgets those voids in silver. Returns the rows deleted. */
export function pruneVoids(db: SqliteDatabase, beforeMs: number): number {
  return lockedTransaction(db, 'silver', () => db.prepare(`DELETE FROM silver.sale_voids AS v WHERE ${FORGETTABLE_VOIDS}`).run(beforeMs).changes)
}
