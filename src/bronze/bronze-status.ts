import type { SqliteDatabase } from '../db/open.js'

/** What bronze holds, for `status`. */
export interface BronzeStatus {
  sales: number
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
  return {
    sales: sales.n,
    rejects: reasons.reduce((sum, row) => sum + row.n, 0),
    lastReceivedAt: sales.last,
    rejectsByReason: Object.fromEntries(reasons.map((row) => [row.reason, row.n])),
  }
}
