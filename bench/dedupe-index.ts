import Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { eventIdentity, hash53 } from '../src/bronze/dedupe-hash.js'
import { prefillBronze } from './lib/prefill-bronze.js'

/** The two identity indexes compared: the obvious one and the one bronze uses. */
const DESIGNS = [
  { name: 'UNIQUE (device_id, event_id)', columns: '(device_id, event_id)' },
  { name: 'UNIQUE (sale_ts_ms, dedupe_hash)', columns: '(sale_ts_ms, dedupe_hash)' },
] as const

const TABLE = `CREATE TABLE IF NOT EXISTS iot_sales_raw (id INTEGER PRIMARY KEY, received_at TEXT NOT NULL, device_id TEXT NOT NULL,
  store_id TEXT NOT NULL, event_id TEXT, sale_ts_ms INTEGER NOT NULL, dedupe_hash INTEGER NOT NULL, product_id INTEGER NOT NULL,
  price_minor INTEGER NOT NULL, quantity INTEGER NOT NULL, customer_id INTEGER, order_id TEXT, payload TEXT NOT NULL) STRICT`

export interface IndexResult {
  design: string
  storedRows: number
  rowsPerS: number
}

/** Inserts `rows` new sales (now, random UUIDs) in groups of 400 with synchronous FULL, as the writer does. */
function measureInserts(file: string, columns: string, rows: number): number {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('cache_size = -16384') // the writer's default (bronze.cacheSizeMiB)
  const insert = db.prepare(`INSERT INTO iot_sales_raw (received_at, device_id, store_id, event_id, sale_ts_ms, dedupe_hash, product_id,
    price_minor, quantity, customer_id, order_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ${columns} DO NOTHING`)
  const group = db.transaction((from: number, to: number, baseMs: number) => {
    for (let i = from; i < to; i++) {
      const eventId = randomUUID()
      const deviceId = `dev-${i % 8}`
      const ts = baseMs + Math.floor(i / 40)
      const payload = `{"event_id":"${eventId}","device_id":"${deviceId}","timestamp":"${new Date(ts).toISOString()}","product_id":101,"price":15.5,"quantity":1,"store_id":"store_001","customer_id":1001}`
      insert.run(new Date(ts).toISOString(), deviceId, 'store_001', eventId, ts, hash53(eventIdentity(deviceId, eventId)), 101, 1550, 1, 1001, null, payload)
    }
  })
  const baseMs = Date.now()
  const started = performance.now()
  for (let from = 0; from < rows; from += 400) group(from, Math.min(rows, from + 400), baseMs)
  const seconds = (performance.now() - started) / 1000
  db.close()
  return Math.round(rows / seconds)
}

/**
 * Insert throughput of each identity index on an empty table and on one holding `storedRows`
 * rows of history (a year of a store's sales). The history is loaded once, without indexes, and
 * copied for each design; the index is then built by a sort, as fast as SQLite can.
 */
export function compareDedupeIndexes(workDir: string, storedRows: number, measuredRows: number, log: (line: string) => void): IndexResult[] {
  mkdirSync(workDir, { recursive: true })
  const history = join(workDir, 'history.db')
  log(`  loading ${storedRows.toLocaleString('en-US')} rows of history`)
  prefillBronze({ file: history, rows: storedRows, days: 365, endMs: Date.now() - 86_400_000, devices: 8, createTable: TABLE, indexes: [] })
  const results: IndexResult[] = []
  for (const design of DESIGNS) {
    for (const size of [0, storedRows]) {
      const file = join(workDir, 'measure.db')
      rmSync(file, { force: true })
      rmSync(file + '-wal', { force: true })
      if (size === 0) {
        const db = new Database(file)
        db.exec(TABLE)
        db.close()
      } else {
        copyFileSync(history, file)
      }
      const db = new Database(file)
      db.exec(`CREATE UNIQUE INDEX identity ON iot_sales_raw ${design.columns}`)
      db.close()
      const rowsPerS = measureInserts(file, design.columns, measuredRows)
      log(`  ${design.name} with ${size.toLocaleString('en-US')} rows stored: ${rowsPerS.toLocaleString('en-US')} rows/s`)
      results.push({ design: design.name, storedRows: size, rowsPerS })
    }
  }
  rmSync(workDir, { recursive: true, force: true })
  return results
}
