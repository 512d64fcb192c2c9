import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BRONZE_MIGRATIONS } from '../src/bronze/schema.js'
import { GATEWAY_MIGRATIONS } from '../src/db/gateway-schema.js'
import { databaseFile, openDatabase } from '../src/db/open.js'
import { GoldRefresher } from '../src/gold/gold-refresher.js'
import { openGoldDatabase } from '../src/gold/open-gold.js'
import { runGenerator } from './lib/generator.js'
import { prefillBronze } from './lib/prefill-bronze.js'
import { startMedallion } from './lib/targets.js'

export interface GoldBench {
  rows: number
  plainGroupByS: number
  rebuildS: number
  incrementalMs: number
  incrementalSales: number
  ackP99IdleMs: number | null
  ackP99RebuildMs: number | null
  ackRate: number
}

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const DAY_MS = 86_400_000

/** silver.sales_enriched for bronze ids in (after, upTo], in UTC (the bench's store zone), by SQL. */
function fillSilver(db: ReturnType<typeof openGoldDatabase>, after: number, upTo: number): void {
  db.prepare(`INSERT INTO silver.sales_enriched (bronze_id, event_id, device_id, store_id, product_id, product_name, category,
      customer_id, customer_name, region, store_name, store_region, price, price_minor, quantity, amount_minor, order_id,
      sale_ts, sale_ts_ms, sale_date, sale_hour, timezone, unknown_product, unknown_customer, unknown_store, warnings, enriched_at)
    SELECT b.id, b.event_id, b.device_id, b.store_id, b.product_id, p.product_name, p.category, b.customer_id,
      coalesce(c.customer_name, 'Anonymous'), coalesce(c.region, 'Anonymous'), 'Bench', 'North', b.price_minor / 100.0, b.price_minor,
      b.quantity, b.price_minor * b.quantity, b.order_id, strftime('%Y-%m-%dT%H:%M:%fZ', b.sale_ts_ms / 1000.0, 'unixepoch'), b.sale_ts_ms,
      date(b.sale_ts_ms / 1000, 'unixepoch'), CAST(strftime('%H', b.sale_ts_ms / 1000, 'unixepoch') AS INTEGER), 'UTC', 0, 0, 0, NULL, 'bench'
    FROM bronze.iot_sales_raw b
    JOIN silver.dim_product p ON p.product_id = b.product_id
    LEFT JOIN silver.dim_customer c ON c.customer_id = b.customer_id
    WHERE b.id > ? AND b.id <= ?`).run(after, upTo)
  db.prepare(`INSERT INTO silver.day_changes (store_id, sale_date)
    SELECT DISTINCT store_id, date(sale_ts_ms / 1000, 'unixepoch') FROM bronze.iot_sales_raw WHERE id > ? AND id <= ?`).run(after, upTo)
}

/**
 * Gold on `rows` silver sales (a year of one store): incremental refresh after 10k new sales, a
 * full rebuild against a plain GROUP BY with joins over the same rows (bronze x dimensions), and
 * the daemon's ack latency while a `gold rebuild` runs next to it.
 */
export async function benchGold(workDir: string, rows: number, log: (line: string) => void): Promise<GoldBench> {
  const dataDir = join(workDir, 'gold-bench', 'data')
  const db = prepareGoldData(dataDir, rows)
  log(`  ${rows} sales in bronze and silver`)
  return measureGold(db, dataDir, rows, log)
}

/** A year of `rows` sales of one store in bronze and silver (enriched by SQL, in UTC), gold empty. */
export function prepareGoldData(dataDir: string, rows: number): ReturnType<typeof openGoldDatabase> {
  openDatabase({ dataDir, attach: ['bronze'], migrations: { main: GATEWAY_MIGRATIONS, bronze: BRONZE_MIGRATIONS } }).close()
  prefillBronze({
    file: databaseFile(dataDir, 'bronze'), rows, days: 365, endMs: Date.now() - 2 * DAY_MS, devices: 20,
    indexes: [{ drop: 'DROP INDEX iot_sales_raw_identity', create: 'CREATE UNIQUE INDEX iot_sales_raw_identity ON iot_sales_raw (sale_ts_ms, dedupe_hash)' }],
    productOf: (i) => 1 + ((i * 7919) % 2000),
    customerOf: (i) => (i % 3 === 0 ? null : 1 + ((i * 104729) % 20_000)),
  })
  const db = openGoldDatabase(dataDir, 'NORMAL')
  db.exec(`INSERT INTO silver.dim_product (product_id, product_name, category, valid_from, valid_from_ms, valid_to_ms, is_current, loaded_at)
    SELECT value, 'Product ' || value, 'Category ' || (value % 40), '0001-01-01T00:00:00.000Z', -62135596800000, 253402300799999, 1, 'bench' FROM (WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 2000) SELECT value FROM n)`)
  db.exec(`INSERT INTO silver.dim_customer (customer_id, customer_name, region, valid_from, valid_from_ms, valid_to_ms, is_current, loaded_at)
    SELECT value, 'Customer ' || value, 'Region ' || (value % 12), '0001-01-01T00:00:00.000Z', -62135596800000, 253402300799999, 1, 'bench' FROM (WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 20000) SELECT value FROM n)`)
  fillSilver(db, 0, rows)
  // Silver is complete: the daemon's pipeline must not enrich it all again when it starts.
  db.prepare("INSERT OR REPLACE INTO silver.pipeline_state (name, value) VALUES ('bronze_watermark', ?)").run(rows)
  return db
}

async function measureGold(db: ReturnType<typeof openGoldDatabase>, dataDir: string, rows: number, log: (line: string) => void): Promise<GoldBench> {
  // The reference: what a plain GROUP BY with the dimension joins costs over the same rows.
  let started = performance.now()
  db.prepare(`SELECT date(b.sale_ts_ms / 1000, 'unixepoch') AS d, b.store_id, coalesce(c.region, 'Anonymous'), p.category,
      sum(b.price_minor * b.quantity), count(*), count(DISTINCT coalesce(b.device_id || '/' || b.order_id, '#' || b.id))
    FROM bronze.iot_sales_raw b JOIN silver.dim_product p ON p.product_id = b.product_id
    LEFT JOIN silver.dim_customer c ON c.customer_id = b.customer_id
    GROUP BY 1, 2, 3, 4`).all()
  const plainGroupByS = (performance.now() - started) / 1000
  log(`  plain GROUP BY with joins: ${plainGroupByS.toFixed(2)} s`)

  const refresher = new GoldRefresher(db)
  started = performance.now()
  refresher.rebuild()
  const rebuildS = (performance.now() - started) / 1000
  db.prepare("INSERT OR REPLACE INTO gold.pipeline_state (name, value) VALUES ('day_changes_seq', (SELECT max(seq) FROM silver.day_changes))").run()
  log(`  gold rebuild: ${rebuildS.toFixed(2)} s`)

  // 10k new sales today on top of the history: only today's group is recomputed.
  const before = db.prepare('SELECT max(id) FROM bronze.iot_sales_raw').pluck().get() as number
  db.close()
  const incrementalSales = 10_000
  prefillBronze({ file: databaseFile(dataDir, 'bronze'), rows: incrementalSales, days: 0.5, endMs: Date.now(), devices: 20, indexes: [], productOf: (i) => 1 + (i % 2000) })
  const again = openGoldDatabase(dataDir, 'NORMAL')
  fillSilver(again, before, before + incrementalSales)
  again.prepare("INSERT OR REPLACE INTO silver.pipeline_state (name, value) VALUES ('bronze_watermark', ?)").run(before + incrementalSales)
  started = performance.now()
  const outcome = new GoldRefresher(again).refreshAll()
  const incrementalMs = performance.now() - started
  log(`  incremental refresh of ${incrementalSales} new sales (${outcome.groups} group): ${incrementalMs.toFixed(1)} ms`)
  again.close()

  // Ack latency of the daemon on this data while an operator runs `gold rebuild` next to it.
  const target = await startMedallion({ dataDir, synchronous: 'FULL', connections: 8 })
  const ackRate = 2000
  try {
    const first = await runGenerator({ port: target.port, connections: target.connections, window: 100, durationS: 4, warmupS: 1, ratePerS: ackRate })
    log(`  (first run after start: p99 ${first.ackP99Ms} ms)`)
    const idle = await runGenerator({ port: target.port, connections: target.connections, window: 100, durationS: 6, warmupS: 1, ratePerS: ackRate })
    const config = join(dataDir, '..', 'config-FULL.json')
    const rebuild = spawn(process.execPath, [CLI, 'gold', 'rebuild', '--config', config], { stdio: 'ignore' })
    const rebuilding = new Promise((resolve) => rebuild.once('exit', resolve))
    const during = await runGenerator({ port: target.port, connections: target.connections, window: 100, durationS: 6, warmupS: 0.5, ratePerS: ackRate })
    await rebuilding
    log(`  ack p99 at ${ackRate} msg/s: ${idle.ackP99Ms} ms idle, ${during.ackP99Ms} ms during a gold rebuild`)
    return { rows, plainGroupByS, rebuildS, incrementalMs, incrementalSales, ackP99IdleMs: idle.ackP99Ms, ackP99RebuildMs: during.ackP99Ms, ackRate }
  } finally {
    await target.stop()
  }
}
