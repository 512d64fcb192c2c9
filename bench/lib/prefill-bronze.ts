import Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { eventIdentity, hash53 } from '../../src/bronze/dedupe-hash.js'

const DAY_MS = 86_400_000

export interface PrefillOptions {
  /** bronze.db to fill (created by the bronze migrations, or empty for a bare table). */
  file: string
  rows: number
  /** The history spans this many days before `endMs`, in arrival (time) order, as a store's would. */
  days: number
  endMs: number
  devices: number
  /** Create the table (for the index study); otherwise the migrated bronze table is used. */
  createTable?: string
  /** Indexes dropped before the load and created after it (a sort, not row-by-row inserts). */
  indexes: { drop: string; create: string }[]
  onProgress?: (done: number) => void
  /** Product of row i (default: 20 products from 101). */
  productOf?: (i: number) => number
  /** Customer of row i, null for anonymous (default: 200 customers from 1001). */
  customerOf?: (i: number) => number | null
}

/**
 * Fills a bronze table with a history of sales (random UUID event ids, realistic payloads) as
 * fast as SQLite allows: one connection, synchronous OFF, big transactions, indexes built after.
 */
export function prefillBronze(options: PrefillOptions): void {
  const db = new Database(options.file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -262144')
  if (options.createTable) db.exec(options.createTable)
  for (const index of options.indexes) db.exec(index.drop)
  const insert = db.prepare(`INSERT INTO iot_sales_raw (received_at, device_id, store_id, event_id, sale_ts_ms, dedupe_hash,
    product_id, price_minor, quantity, customer_id, order_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const startMs = options.endMs - options.days * DAY_MS
  const stepMs = (options.days * DAY_MS) / options.rows
  const productOf = options.productOf ?? ((i: number) => 101 + (i % 20))
  const customerOf = options.customerOf ?? ((i: number) => 1001 + (i % 200))
  const chunk = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const productId = productOf(i)
      const customerId = customerOf(i)
      const ts = Math.floor(startMs + i * stepMs)
      const deviceId = `hist-${i % options.devices}`
      const eventId = randomUUID()
      const iso = new Date(ts).toISOString()
      const payload = `{"event_id":"${eventId}","device_id":"${deviceId}","timestamp":"${iso}","product_id":${productId},"price":15.5,"quantity":1,"store_id":"store_001","customer_id":${customerId},"order_id":"${eventId.slice(0, 18)}"}`
      insert.run(
        iso,
        deviceId,
        'store_001',
        eventId,
        ts,
        hash53(eventIdentity(deviceId, eventId)),
        productId,
        1550,
        1,
        customerId,
        eventId.slice(0, 18),
        payload,
      )
    }
  })
  const CHUNK = 200_000
  for (let from = 0; from < options.rows; from += CHUNK) {
    chunk(from, Math.min(options.rows, from + CHUNK))
    options.onProgress?.(Math.min(options.rows, from + CHUNK))
  }
  for (const index of options.indexes) db.exec(index.create)
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}
