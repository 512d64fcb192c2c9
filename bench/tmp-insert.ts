import Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { rmSync, mkdirSync } from 'node:fs'
import { hash53, eventIdentity } from '../src/bronze/dedupe-hash.js'
const N = 400_000, G = 400
const rows = Array.from({ length: N }, (_, i) => { const e = randomUUID(); const ts = 1795680000000 + Math.floor(i / 50); return { e, ts, h: hash53(eventIdentity('bench-1', e)), p: JSON.stringify({ event_id: e, device_id: 'bench-1', timestamp: new Date(ts).toISOString(), product_id: 101, price: 15.5, quantity: 1, store_id: 'store_001', customer_id: 1001, order_id: 'bench-order-0001' }) } })
function run(name: string, ddl: string, sql: string, args: (r: typeof rows[0]) => unknown[], sync = 'FULL', ckpt = 1000) {
  rmSync('/tmp/mb', { recursive: true, force: true }); mkdirSync('/tmp/mb')
  const db = new Database('/tmp/mb/b.db'); db.pragma('journal_mode = WAL'); db.pragma('synchronous = ' + sync); db.pragma('cache_size = -16384'); db.pragma('wal_autocheckpoint = ' + ckpt)
  db.exec(ddl)
  const st = db.prepare(sql)
  const tx = db.transaction((batch: typeof rows) => { for (const r of batch) st.run(...args(r)) })
  const t = performance.now()
  for (let i = 0; i < N; i += G) tx(rows.slice(i, i + G))
  const us = (performance.now() - t) * 1000 / N
  console.log(name.padEnd(40), us.toFixed(2), 'us/row', Math.round(1e6 / us), 'rows/s')
  db.close()
}
const full = `CREATE TABLE t (id INTEGER PRIMARY KEY, received_at TEXT NOT NULL, device_id TEXT NOT NULL, store_id TEXT NOT NULL, event_id TEXT, sale_ts_ms INTEGER NOT NULL, dedupe_hash INTEGER NOT NULL, product_id INTEGER NOT NULL, price_minor INTEGER NOT NULL, quantity INTEGER NOT NULL, customer_id INTEGER, order_id TEXT, payload TEXT NOT NULL) STRICT; CREATE UNIQUE INDEX ti ON t (sale_ts_ms, dedupe_hash);`
const ins = `INSERT INTO t (received_at, device_id, store_id, event_id, sale_ts_ms, dedupe_hash, product_id, price_minor, quantity, customer_id, order_id, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (sale_ts_ms, dedupe_hash) DO NOTHING`
const iso = new Date().toISOString()
const a = (r: typeof rows[0]) => [iso, 'bench-1', 'store_001', r.e, r.ts, r.h, 101, 1550, 1, 1001, 'bench-order-0001', r.p]
for (let k = 0; k < 2; k++) {
run('current schema', full, ins, a)
run('current schema ckpt 4000', full, ins, a, 'FULL', 4000)
run('current schema ckpt off', full, ins, a, 'FULL', 0)
run('current schema NORMAL', full, ins, a, 'NORMAL')
run('current schema NORMAL ckpt off', full, ins, a, 'NORMAL', 0)
}
