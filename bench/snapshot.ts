import { benchDataDir } from './lib/data-dir.js'
import { DuckDBInstance } from '@duckdb/node-api'
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GoldRefresher } from '../src/gold/gold-refresher.js'
import { SnapshotBuilder } from '../src/snapshot/snapshot-builder.js'
import { toParquet, type ColumnSpec } from '../src/snapshot/parquet-file.js'
import { prepareGoldData } from './gold.js'

export interface SnapshotBench {
  goldRows: number
  snapshots: number
  oursS: number
  oursBytes: number
  duckSingleS: number
  duckSingleBytes: number
  duckPartitionedS: number
  duckPartitionedBytes: number
  silverRows: number
  silverOursS: number
  silverOursBytes: number
  silverDuckS: number
  silverDuckBytes: number
}

/** silver.sales_enriched as Parquet columns: a possible silver export, measured here only. */
const SILVER_COLUMNS: ColumnSpec[] = [
  { name: 'bronze_id', kind: 'int64' },
  { name: 'event_id', kind: 'string', nullable: true },
  { name: 'device_id', kind: 'text' },
  { name: 'store_id', kind: 'text' },
  { name: 'product_id', kind: 'int64' },
  { name: 'product_name', kind: 'text' },
  { name: 'category', kind: 'text' },
  { name: 'customer_id', kind: 'int64', nullable: true },
  { name: 'customer_name', kind: 'text' },
  { name: 'region', kind: 'text' },
  { name: 'price_minor', kind: 'int64' },
  { name: 'quantity', kind: 'int64' },
  { name: 'amount_minor', kind: 'int64' },
  { name: 'order_id', kind: 'string', nullable: true },
  { name: 'sale_ts', kind: 'string' },
  { name: 'sale_date', kind: 'date' },
  { name: 'sale_hour', kind: 'int32' },
]

function sizeOf(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0)
}

/**
 * Parquet writing against DuckDB's own COPY of the same rows in the same run: a year of gold for
 * one store as snapshots (one store-day each, so many small files) against DuckDB writing the same
 * tables to one file each and partitioned the same way; and 1M silver rows to one file each.
 */
export async function benchSnapshots(workDir: string, sales: number, log: (line: string) => void): Promise<SnapshotBench> {
  const dataDir = benchDataDir(workDir, 'snapshot-bench', 'data')
  const db = prepareGoldData(dataDir, sales)
  // Caught up by refreshes: a rebuild recomputes days only up to where gold's additions stand.
  new GoldRefresher(db).refreshAll()
  const goldRows = ['fact_daily_sales', 'fact_hourly_sales', 'kpi_revenue_by_region', 'kpi_daily_orders'].reduce(
    (sum, table) => sum + (db.prepare(`SELECT count(*) FROM gold.${table}`).pluck().get() as number),
    0,
  )
  const dir = join(dataDir, 'snapshots')
  let started = performance.now()
  const { created } = new SnapshotBuilder(db, { dir, currency: { code: 'USD', minorUnitDigits: 2 } }).run(1_000_000)
  const oursS = (performance.now() - started) / 1000
  const oursBytes = created.reduce((sum, manifest) => sum + manifest.files.reduce((n, file) => n + file.bytes, 0), 0)
  log(`  gold: ${goldRows} rows, ${created.length} snapshots in ${oursS.toFixed(2)} s, ${(oursBytes / 1048576).toFixed(2)} MiB`)

  const duck = await (await DuckDBInstance.create(':memory:')).connect()
  const tables = ['fact_daily_sales', 'fact_hourly_sales', 'kpi_revenue_by_region', 'kpi_daily_orders']
  for (const table of tables) await duck.run(`CREATE TABLE ${table} AS SELECT * FROM read_parquet('${dir}/*/${table}/**/*.parquet')`)
  const duckDir = join(workDir, 'duck')
  mkdirSync(join(duckDir, 'partitioned'), { recursive: true })
  started = performance.now()
  for (const table of tables) await duck.run(`COPY ${table} TO '${duckDir}/${table}.parquet' (FORMAT parquet, COMPRESSION zstd)`)
  const duckSingleS = (performance.now() - started) / 1000
  const duckSingleBytes = tables.reduce((sum, table) => sum + sizeOf(join(duckDir, `${table}.parquet`)), 0)
  started = performance.now()
  for (const table of tables)
    await duck.run(`COPY ${table} TO '${duckDir}/partitioned/${table}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (sale_date, store_id))`)
  const duckPartitionedS = (performance.now() - started) / 1000
  const duckPartitionedBytes = sizeOf(join(duckDir, 'partitioned'))
  log(
    `  DuckDB COPY: one file per table ${duckSingleS.toFixed(2)} s ${(duckSingleBytes / 1048576).toFixed(2)} MiB; partitioned ${duckPartitionedS.toFixed(2)} s ${(duckPartitionedBytes / 1048576).toFixed(2)} MiB`,
  )

  const silver = db
    .prepare(`SELECT ${SILVER_COLUMNS.map((c) => c.name).join(', ')} FROM silver.sales_enriched ORDER BY bronze_id LIMIT 1000000`)
    .all() as Record<string, unknown>[]
  db.close()
  started = performance.now()
  const bytes = toParquet(SILVER_COLUMNS, silver, { 'medallion.table': 'sales_enriched' })
  writeFileSync(join(workDir, 'silver.parquet'), bytes)
  const silverOursS = (performance.now() - started) / 1000
  await duck.run(`CREATE TABLE silver AS SELECT * FROM read_parquet('${join(workDir, 'silver.parquet')}')`)
  started = performance.now()
  await duck.run(`COPY silver TO '${duckDir}/silver.parquet' (FORMAT parquet, COMPRESSION zstd)`)
  const silverDuckS = (performance.now() - started) / 1000
  const silverDuckBytes = sizeOf(join(duckDir, 'silver.parquet'))
  log(
    `  silver ${silver.length} rows: ours ${silverOursS.toFixed(2)} s ${(bytes.byteLength / 1048576).toFixed(2)} MiB; DuckDB ${silverDuckS.toFixed(2)} s ${(silverDuckBytes / 1048576).toFixed(2)} MiB`,
  )
  return {
    goldRows,
    snapshots: created.length,
    oursS,
    oursBytes,
    duckSingleS,
    duckSingleBytes,
    duckPartitionedS,
    duckPartitionedBytes,
    silverRows: silver.length,
    silverOursS,
    silverOursBytes: bytes.byteLength,
    silverDuckS,
    silverDuckBytes,
  }
}
