import { hasTable } from '../db/has-table.js'
import type { SqliteDatabase } from '../db/open.js'

/** What bronze holds, for `status`. */
export interface BronzeStatus {
  sales: number
  /** Inventory events (counts, receipts, adjustments). */
  inventoryEvents: number
  rejects: number
  lastReceivedAt: string | null
  rejectsByReason: Record<string, number>
}

/** Bronze's status, read on any connection with bronze attached (a count of every row: a command's, not a scrape's). */
export function readBronzeStatus(db: SqliteDatabase): BronzeStatus {
  const sales = db.prepare('SELECT count(*) AS n, max(received_at) AS last FROM bronze.iot_sales_raw').get() as { n: number; last: string | null }
  const reasons = db.prepare('SELECT reason, count(*) AS n FROM bronze.iot_sales_rejects GROUP BY reason ORDER BY n DESC').all() as {
    reason: string
    n: number
  }[]
  const inventoryEvents = hasTable(db, 'bronze', 'iot_inventory_raw')
    ? (db.prepare('SELECT count(*) FROM bronze.iot_inventory_raw').pluck().get() as number)
    : 0
  return {
    sales: sales.n,
    inventoryEvents,
    rejects: reasons.reduce((sum, row) => sum + row.n, 0),
    lastReceivedAt: sales.last,
    rejectsByReason: Object.fromEntries(reasons.map((row) => [row.reason, row.n])),
  }
}

/** When the oldest sale bronze still holds was received (what retention kept), null when empty: the first row by id, cheap enough for a scrape. */
export function oldestBronzeReceivedAt(db: SqliteDatabase): string | null {
  return (db.prepare('SELECT received_at FROM bronze.iot_sales_raw ORDER BY id LIMIT 1').pluck().get() as string | undefined) ?? null
}

/**
 * Rejects the bronze store dropped, oldest first, to keep them under retention.rejectsMaxMiB, since
 * the data directory was made. 0 on a file of a release before bronze_state, which `status` may read unmigrated.
 */
export function countDroppedRejects(db: SqliteDatabase): number {
  if (!hasTable(db, 'bronze', 'bronze_state')) return 0
  return (db.prepare("SELECT value FROM bronze.bronze_state WHERE name = 'rejects_dropped'").pluck().get() as number | undefined) ?? 0
}

/** The newest sale bronze holds (its id), 0 when empty: where retention waits for silver and gold to be. */
export function newestBronzeSaleId(db: SqliteDatabase): number {
  return db.prepare('SELECT coalesce(max(id), 0) FROM bronze.iot_sales_raw').pluck().get() as number
}
