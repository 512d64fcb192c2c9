import { deleteInSteps, idsParameter } from '../db/delete-in-steps.js'
import { lockedTransaction } from '../db/locked-transaction.js'
import type { SqliteDatabase } from '../db/open.js'
import type { PrunedDay } from '../silver/prune-silver.js'
import { ALL_GOLD_TABLE_NAMES } from './gold-tables.js'

/** Gold's deletes for retention, which decides what goes (src/retention/retention.ts). */

/** Days silver marked for gold's pruning (`gold_pruned_at`) whose gold rows are still there. */
export function goldPrunedDaysWithRows(db: SqliteDatabase): PrunedDay[] {
  return db
    .prepare(
      `SELECT p.store_id, p.sale_date FROM silver.pruned_days p WHERE p.gold_pruned_at IS NOT NULL
    AND (EXISTS (SELECT 1 FROM gold.kpi_daily_orders k WHERE k.store_id = p.store_id AND k.sale_date = p.sale_date)
      OR EXISTS (SELECT 1 FROM gold.fact_inventory f WHERE f.store_id = p.store_id AND f.stock_date = p.sale_date))`,
    )
    .all() as PrunedDay[]
}

/** Deletes the days' rows of every gold table (fact_inventory's stock_date too) and their refresh log, `daysPerStep` days to a transaction. Returns the days. */
export function pruneGoldDays(db: SqliteDatabase, days: readonly PrunedDay[], daysPerStep: number): number {
  for (let at = 0; at < days.length; at += daysPerStep) {
    lockedTransaction(db, 'gold', () => {
      for (const day of days.slice(at, at + daysPerStep)) {
        for (const table of ALL_GOLD_TABLE_NAMES) db.prepare(`DELETE FROM gold.${table} WHERE store_id = ? AND sale_date = ?`).run(day.store_id, day.sale_date)
        db.prepare('DELETE FROM gold.fact_inventory WHERE store_id = ? AND stock_date = ?').run(day.store_id, day.sale_date)
        db.prepare('DELETE FROM gold.refreshed_days WHERE store_id = ? AND sale_date = ?').run(day.store_id, day.sale_date)
      }
    })
  }
  return days.length
}

/**
 * gold.refreshed_days gets a row per store-day at every refresh step (tens of thousands a day):
 * the rows snapshots have read past (`throughSeq`, their watermark) go, but the newest (readers
 * take its seq as "now"), a step at a time.
 */
export function trimRefreshLog(db: SqliteDatabase, throughSeq: number): number {
  const find = db
    .prepare(
      `SELECT seq FROM gold.refreshed_days WHERE seq <= ?
    AND seq < (SELECT max(seq) FROM gold.refreshed_days) ORDER BY seq LIMIT ?`,
    )
    .pluck()
  const remove = db.prepare('DELETE FROM gold.refreshed_days WHERE seq IN (SELECT value FROM json_each(?))')
  return deleteInSteps(
    (limit) => find.all(throughSeq, limit) as number[],
    (ids) => remove.run(idsParameter(ids)).changes,
  )
}
