import { benchDataDir } from './lib/data-dir.js'
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { databaseFile } from '../src/db/open.js'
import { GoldRefresher } from '../src/gold/gold-refresher.js'
import { openGoldDatabase } from '../src/gold/open-gold.js'
import { runGenerator } from './lib/generator.js'
import { prefillBronze } from './lib/prefill-bronze.js'
import { startMedallion } from './lib/targets.js'
import { soakTotals, type TotalsSoak } from './totals-soak.js'
import { openMigrated } from '../src/schemas.js'

export interface GoldBench {
  rows: number
  plainGroupByS: number
  /** Gold from empty to caught up by incremental refreshes (what a first start on this history does). */
  catchUpS: number
  rebuildS: number
  /** Sales gold counted after the rebuild (= rows when the rebuild recomputed every day). */
  rebuiltSales: number
  incrementalMs: number
  incrementalSales: number
  /** Whether gold counted every sale after the incremental refresh. */
  incrementalComplete: boolean
  ackP99IdleMs: number | null
  ackP99RebuildMs: number | null
  ackRate: number
  dayRefreshes: DayRefresh[]
  soak: TotalsSoak
}

/** One refresh of a store-day of `daySales` sales after `appended` new sales of that day. */
export interface DayRefresh {
  daySales: number
  appended: number
  /** The first refreshAll() over the whole day, gold empty. */
  initialMs: number
  /** refreshAll() after the append, on the refresher that did the initial one (its caches warm). */
  warmMs: number
  /** refreshAll() after another append, on a new connection and refresher (as after a process start). */
  coldMs: number
  /** Whether gold counted every sale of the day after each refresh (a refresh that misses the appended sales is no measurement). */
  complete: boolean
  /** What gold counted against what it should have, where it differed. */
  mismatches: string[]
}

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const DAY_MS = 86_400_000

type GoldDatabase = ReturnType<typeof openGoldDatabase>

/**
 * silver.sales_enriched for bronze ids in (after, upTo], in UTC (the bench's store zone), by SQL,
 * and silver's watermark moved to `upTo`. `markDays` also writes their days to silver.day_changes,
 * as silver did for every sale up to release 0.2 and now does only for changes that are not
 * additive (a re-enrichment that moves a sale); new sales reach gold by their bronze id, so
 * appended sales are filled without it.
 */
function fillSilver(db: GoldDatabase, after: number, upTo: number, markDays: boolean): void {
  db.prepare(
    `INSERT INTO silver.sales_enriched (bronze_id, event_id, device_id, store_id, product_id, product_name, category,
      customer_id, customer_name, region, store_name, store_region, price, price_minor, quantity, amount_minor, order_id,
      sale_ts, sale_ts_ms, sale_date, sale_hour, timezone, unknown_product, unknown_customer, unknown_store, warnings, enriched_at)
    SELECT b.id, b.event_id, b.device_id, b.store_id, b.product_id, p.product_name, p.category, b.customer_id,
      coalesce(c.customer_name, 'Anonymous'), coalesce(c.region, 'Anonymous'), 'Bench', 'North', b.price_minor / 100.0, b.price_minor,
      b.quantity, b.price_minor * b.quantity, b.order_id, strftime('%Y-%m-%dT%H:%M:%fZ', b.sale_ts_ms / 1000.0, 'unixepoch'), b.sale_ts_ms,
      date(b.sale_ts_ms / 1000, 'unixepoch'), CAST(strftime('%H', b.sale_ts_ms / 1000, 'unixepoch') AS INTEGER), 'UTC', 0, 0, 0, NULL, 'bench'
    FROM bronze.iot_sales_raw b
    JOIN silver.dim_product p ON p.product_id = b.product_id
    LEFT JOIN silver.dim_customer c ON c.customer_id = b.customer_id
    WHERE b.id > ? AND b.id <= ?`,
  ).run(after, upTo)
  if (markDays) {
    db.prepare(
      `INSERT INTO silver.day_changes (store_id, sale_date)
      SELECT DISTINCT store_id, date(sale_ts_ms / 1000, 'unixepoch') FROM bronze.iot_sales_raw WHERE id > ? AND id <= ?`,
    ).run(after, upTo)
  }
  db.prepare("INSERT OR REPLACE INTO silver.pipeline_state (name, value) VALUES ('bronze_watermark', ?)").run(upTo)
}

/** Sales gold counts (kpi_daily_orders), over every day or one store-day. */
function goldSales(db: GoldDatabase, day?: { storeId: string; saleDate: string }): number {
  return (
    day === undefined
      ? db.prepare('SELECT coalesce(sum(sales_count), 0) FROM gold.kpi_daily_orders').pluck().get()
      : db
          .prepare('SELECT coalesce(sum(sales_count), 0) FROM gold.kpi_daily_orders WHERE store_id = ? AND sale_date = ?')
          .pluck()
          .get(day.storeId, day.saleDate)
  ) as number
}

/** 2,000 products in 40 categories and 20,000 customers in 12 regions, valid forever (current rows). */
function insertDimensions(db: GoldDatabase): void {
  db.exec(`INSERT INTO silver.dim_product (product_id, product_name, category, valid_from, valid_from_ms, valid_to_ms, is_current, loaded_at)
    SELECT value, 'Product ' || value, 'Category ' || (value % 40), '0001-01-01T00:00:00.000Z', -62135596800000, 253402300799999, 1, 'bench' FROM (WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 2000) SELECT value FROM n)`)
  db.exec(`INSERT INTO silver.dim_customer (customer_id, customer_name, region, valid_from, valid_from_ms, valid_to_ms, is_current, loaded_at)
    SELECT value, 'Customer ' || value, 'Region ' || (value % 12), '0001-01-01T00:00:00.000Z', -62135596800000, 253402300799999, 1, 'bench' FROM (WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 20000) SELECT value FROM n)`)
}

const IDENTITY_INDEX = {
  drop: 'DROP INDEX iot_sales_raw_identity',
  create: 'CREATE UNIQUE INDEX iot_sales_raw_identity ON iot_sales_raw (sale_ts_ms, dedupe_hash)',
}

export interface GoldBenchOptions {
  /** Sales of the year of history. */
  rows: number
  /** Sizes of the store-day that 10k sales are appended to. */
  daySales: readonly number[]
  /** Length of the totals soak, seconds. */
  soakS: number
  soakRatePerS: number
}

/**
 * Gold on `rows` silver sales (a year of one store): incremental refresh after 10k new sales, a
 * full rebuild against a plain GROUP BY with joins over the same rows (bronze x dimensions), and
 * the daemon's ack latency while a `gold rebuild` runs next to it; the refresh after 10k new sales
 * into a day of each size in `daySales` (flat is the goal); the staff totals' freshness during a
 * soak at a steady rate.
 */
export async function benchGold(workDir: string, options: GoldBenchOptions, log: (line: string) => void): Promise<GoldBench> {
  const dataDir = benchDataDir(workDir, 'gold-bench', 'data')
  const db = prepareGoldData(dataDir, options.rows)
  log(`  ${options.rows} sales in bronze and silver`)
  const history = await measureGold(db, dataDir, options.rows, log)
  rmSync(join(workDir, 'gold-bench'), { recursive: true, force: true })
  const dayRefreshes: DayRefresh[] = []
  for (const daySales of options.daySales)
    dayRefreshes.push(measureDayRefresh(benchDataDir(workDir, 'gold-day', String(daySales), 'data'), daySales, 10_000, log))
  rmSync(join(workDir, 'gold-day'), { recursive: true, force: true })
  const soak = await soakTotals(benchDataDir(workDir, 'gold-soak', 'data'), options.soakS, options.soakRatePerS, log)
  return { ...history, dayRefreshes, soak }
}

/** A year of `rows` sales of one store in bronze and silver (enriched by SQL, in UTC), gold empty. */
export function prepareGoldData(dataDir: string, rows: number): GoldDatabase {
  openMigrated(dataDir, { attach: ['bronze'] }).close()
  prefillBronze({
    file: databaseFile(dataDir, 'bronze'),
    rows,
    days: 365,
    endMs: Date.now() - 2 * DAY_MS,
    devices: 20,
    indexes: [IDENTITY_INDEX],
    productOf: (i) => 1 + ((i * 7919) % 2000),
    customerOf: (i) => (i % 3 === 0 ? null : 1 + ((i * 104729) % 20_000)),
  })
  const db = openMigrated(dataDir, { synchronous: 'NORMAL' })
  insertDimensions(db)
  // Silver is complete (its watermark at `rows`): the daemon's pipeline must not enrich it all
  // again when it starts. New sales, as silver writes them: no day_changes marks.
  fillSilver(db, 0, rows, false)
  return db
}

/**
 * The refresh after `appended` new sales into a store-day of `daySales` (a past UTC day, one store):
 * gold first caught up with the day by refreshAll(), then the sales appended to bronze and silver
 * (no day_changes: new sales are found by bronze id) and one refreshAll() timed on the same
 * refresher (warm: a refresher may keep the day's aggregate in memory), then once more after
 * another append on a new connection and refresher (cold: the first refresh after a process start).
 */
function measureDayRefresh(dataDir: string, daySales: number, appended: number, log: (line: string) => void): DayRefresh {
  openMigrated(dataDir, { attach: ['bronze'] }).close()
  const dayStartMs = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS
  const day = { storeId: 'store_001', saleDate: new Date(dayStartMs).toISOString().slice(0, 10) }
  const HOUR = DAY_MS / 24
  // The day's sales from 01:00 to 12:00, each append one hour after the last.
  const append = (rows: number, endHour: number, hours: number, indexes: (typeof IDENTITY_INDEX)[]): void =>
    prefillBronze({
      file: databaseFile(dataDir, 'bronze'),
      rows,
      days: hours / 24,
      endMs: dayStartMs + endHour * HOUR,
      devices: 20,
      indexes,
      productOf: (i) => 1 + ((i * 7919) % 2000),
      customerOf: (i) => (i % 3 === 0 ? null : 1 + ((i * 104729) % 20_000)),
    })
  append(daySales, 12, 11, [IDENTITY_INDEX])
  let db = openMigrated(dataDir, { synchronous: 'NORMAL' })
  insertDimensions(db)
  fillSilver(db, 0, daySales, false)
  const mismatches: string[] = []
  const check = (what: string, expected: number): void => {
    const counted = goldSales(db, day)
    if (counted !== expected) mismatches.push(`${what}: gold counted ${counted} of ${expected}`)
  }
  const refresher = new GoldRefresher(db)
  let started = performance.now()
  refresher.refreshAll()
  const initialMs = performance.now() - started
  check('initial', daySales)

  append(appended, 13, 1, [])
  fillSilver(db, daySales, daySales + appended, false)
  started = performance.now()
  refresher.refreshAll()
  const warmMs = performance.now() - started
  check('warm', daySales + appended)

  append(appended, 14, 1, [])
  fillSilver(db, daySales + appended, daySales + 2 * appended, false)
  db.close()
  db = openMigrated(dataDir, { synchronous: 'NORMAL' })
  started = performance.now()
  new GoldRefresher(db).refreshAll()
  const coldMs = performance.now() - started
  check('cold', daySales + 2 * appended)
  db.close()
  rmSync(join(dataDir, '..'), { recursive: true, force: true })
  log(
    `  day of ${daySales} sales: first refresh ${initialMs.toFixed(1)} ms; +${appended} sales: warm ${warmMs.toFixed(1)} ms, cold ${coldMs.toFixed(1)} ms` +
      (mismatches.length > 0 ? ` (INCOMPLETE: ${mismatches.join('; ')})` : ''),
  )
  return { daySales, appended, initialMs, warmMs, coldMs, complete: mismatches.length === 0, mismatches }
}

async function measureGold(db: GoldDatabase, dataDir: string, rows: number, log: (line: string) => void): Promise<Omit<GoldBench, 'dayRefreshes' | 'soak'>> {
  // The reference: what a plain GROUP BY with the dimension joins costs over the same rows.
  let started = performance.now()
  db.prepare(
    `SELECT date(b.sale_ts_ms / 1000, 'unixepoch') AS d, b.store_id, coalesce(c.region, 'Anonymous'), p.category,
      sum(b.price_minor * b.quantity), count(*), count(DISTINCT coalesce(b.device_id || '/' || b.order_id, '#' || b.id))
    FROM bronze.iot_sales_raw b JOIN silver.dim_product p ON p.product_id = b.product_id
    LEFT JOIN silver.dim_customer c ON c.customer_id = b.customer_id
    GROUP BY 1, 2, 3, 4`,
  ).all()
  const plainGroupByS = (performance.now() - started) / 1000
  log(`  plain GROUP BY with joins: ${plainGroupByS.toFixed(2)} s`)

  // Gold first catches up with silver as the daemon's refreshes would have kept it: a rebuild
  // recomputes days up to where gold's additions stand (sales_through), so on a gold that never
  // refreshed it would recompute nothing. Then the rebuild of every day, timed.
  const refresher = new GoldRefresher(db)
  started = performance.now()
  refresher.refreshAll()
  const catchUpS = (performance.now() - started) / 1000
  log(`  gold caught up from empty by refreshes: ${catchUpS.toFixed(2)} s`)
  started = performance.now()
  refresher.rebuild()
  const rebuildS = (performance.now() - started) / 1000
  const rebuiltSales = goldSales(db)
  log(`  gold rebuild: ${rebuildS.toFixed(2)} s` + (rebuiltSales === rows ? '' : ` (INCOMPLETE: gold counts ${rebuiltSales} of ${rows} sales after it)`))

  // 10k new sales today on top of the history: only today's groups change, on a cold refresher.
  const before = db.prepare('SELECT max(id) FROM bronze.iot_sales_raw').pluck().get() as number
  db.close()
  const incrementalSales = 10_000
  prefillBronze({
    file: databaseFile(dataDir, 'bronze'),
    rows: incrementalSales,
    days: 0.5,
    endMs: Date.now(),
    devices: 20,
    indexes: [],
    productOf: (i) => 1 + (i % 2000),
  })
  const again = openMigrated(dataDir, { synchronous: 'NORMAL' })
  fillSilver(again, before, before + incrementalSales, false)
  started = performance.now()
  const outcome = new GoldRefresher(again).refreshAll()
  const incrementalMs = performance.now() - started
  const incrementalComplete = goldSales(again) === rows + incrementalSales
  log(
    `  incremental refresh of ${incrementalSales} new sales (${outcome.groups} group): ${incrementalMs.toFixed(1)} ms` +
      (incrementalComplete ? '' : ` (INCOMPLETE: gold counts ${goldSales(again)} of ${rows + incrementalSales} sales after it)`),
  )
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
    return {
      rows,
      plainGroupByS,
      catchUpS,
      rebuildS,
      rebuiltSales,
      incrementalMs,
      incrementalSales,
      incrementalComplete,
      ackP99IdleMs: idle.ackP99Ms,
      ackP99RebuildMs: during.ackP99Ms,
      ackRate,
    }
  } finally {
    await target.stop()
  }
}
