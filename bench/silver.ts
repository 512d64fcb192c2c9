import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { configSchema } from '../src/config/schema.js'
import { databaseFile } from '../src/db/open.js'
import { DIMENSIONS } from '../src/silver/dims/dimension-spec.js'
import { importDimension } from '../src/silver/dims/import-dimension.js'
import { enricherFromConfig } from '../src/silver/enricher-from-config.js'
import { prefillBronze } from './lib/prefill-bronze.js'
import { openMigrated } from '../src/schemas.js'
import { SILVER_LAYERS, useSilverCache } from '../src/silver/open-silver.js'
import { BronzeStore } from '../src/bronze/bronze-store.js'
import { eventTopic } from '../src/contract/device-topic.js'

export interface SilverBench {
  rows: number
  products: number
  customers: number
  silverRowsPerS: number
  plainInsertRowsPerS: number
  fixupSales: number
  fixupMs: number
}

const LATE_PRODUCT = 999_999

function csv(header: string, count: number, line: (i: number) => string): Readable {
  return Readable.from(
    (function* () {
      yield header + '\n'
      for (let i = 1; i <= count; i++) yield line(i) + '\n'
    })(),
  )
}

/**
 * Silver throughput on `rows` bronze sales with 10k products and 100k customers loaded, against
 * the plain insert rate of the same rows into the same table in the same run (the physical bound),
 * and the cost of a late product that fixes up `fixup` sales.
 */
export async function benchSilver(
  workDir: string,
  rows: number,
  fixup: number,
  log: (line: string) => void,
  options: { withStock?: boolean } = {},
): Promise<SilverBench> {
  const dataDir = join(workDir, options.withStock ? 'silver-bench-stock' : 'silver-bench')
  mkdirSync(dataDir, { recursive: true })
  const config = configSchema.parse({
    dataDir,
    timezone: 'Europe/Paris',
    silver: {
      // BENCH_SILVER_BATCH: another silver.batchRows, to compare batch sizes.
      ...(process.env.BENCH_SILVER_BATCH ? { batchRows: Number(process.env.BENCH_SILVER_BATCH) } : {}),
      expectations: [
        { rule: 'price_range', max: 10_000, action: 'warn' },
        { rule: 'timestamp_max_ahead', minutes: 10, action: 'drop' },
        { rule: 'timestamp_max_behind', days: 60, action: 'warn' },
        { rule: 'known_store', action: 'warn' },
      ],
    },
  })
  const db = openMigrated(dataDir, { attach: SILVER_LAYERS })
  // The silver thread's page cache: the plain insert below shares it.
  useSilverCache(db)
  const enricher = enricherFromConfig(db, config)
  const products = 10_000
  const customers = 100_000
  const dimensions = [
    [DIMENSIONS.product, csv('product_id,product_name,category', products, (i) => `${i},Product ${i},Category ${i % 40}`)],
    [DIMENSIONS.customer, csv('customer_id,customer_name,region', customers, (i) => `${i},Customer ${i},Region ${i % 12}`)],
    [DIMENSIONS.store, csv('store_id,store_name,region,timezone', 1, () => 'store_001,Downtown,North,Europe/Paris')],
  ] as const
  for (const [spec, text] of dimensions) await importDimension(db, enricher, spec, text, 'csv', { asOfMs: Date.now() })
  log(`  dimensions: ${products} products, ${customers} customers`)
  // Every (rows / fixup)-th sale is of a product central has not sent yet.
  const every = Math.floor(rows / fixup)
  prefillBronze({
    file: databaseFile(dataDir, 'bronze'),
    rows,
    days: 30,
    endMs: Date.now(),
    devices: 20,
    indexes: [],
    productOf: (i) => (i % every === 0 ? LATE_PRODUCT : 1 + ((i * 7919) % products)),
    customerOf: (i) => (i % 3 === 0 ? null : 1 + ((i * 104729) % customers)),
  })
  log(`  ${rows} bronze rows`)
  if (options.withStock) {
    // A shelf count before the first sale: the store's stock began, every sale goes through silver.inventory_on_hand.
    const timestamp = new Date(Date.now() - 31 * 86_400_000).toISOString()
    const payload = Buffer.from(JSON.stringify({ device_id: 'scanner-1', store_id: 'store_001', timestamp, product_id: 1, type: 'count', quantity: 10 }))
    const bronze = new BronzeStore(db, { maxPayloadBytes: 262_144, maxBatchItems: 1000, minorUnitDigits: 2, rejectPayloadKeepBytes: 1024 })
    const topic = eventTopic({ storeId: 'store_001', deviceId: 'scanner-1' }, 'inventory')
    bronze.commit([{ topic, clientId: 'scanner-1', payload, payloadBytes: payload.length, receivedAtMs: Date.now() }])
    log('  with stock: a count before the first sale')
  }

  let started = performance.now()
  while (enricher.processNext().rows > 0) {
    // until caught up
  }
  const silverRowsPerS = Math.round(rows / ((performance.now() - started) / 1000))
  log(`  silver: ${silverRowsPerS} rows/s`)

  // The physical bound: the same rows, already enriched, inserted again into a copy of the table.
  db.exec('CREATE TABLE silver.plain AS SELECT * FROM silver.sales_enriched WHERE 0')
  // The same indexes as sales_enriched.
  for (const sql of db
    .prepare("SELECT sql FROM silver.sqlite_master WHERE type = 'index' AND tbl_name = 'sales_enriched' AND sql IS NOT NULL")
    .pluck()
    .all() as string[]) {
    db.exec(sql.replace(/INDEX (\S+) ON sales_enriched/, (_m, name: string) => `INDEX silver.plain_${name} ON plain`))
  }
  // In silver's own batches (silver.batchRows), so that both write each index page as often.
  const source = db.prepare(`SELECT * FROM silver.sales_enriched WHERE bronze_id > ? ORDER BY bronze_id LIMIT ${config.silver.batchRows}`)
  const columns = Object.keys(source.get(0) as object)
  const insert = db.prepare(`INSERT INTO silver.plain (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
  const batches: unknown[][][] = []
  for (let after = 0; ;) {
    const page = source.raw().all(after) as unknown[][]
    if (page.length === 0) break
    batches.push(page)
    after = page.at(-1)![0] as number
  }
  const copy = db.transaction((page: unknown[][]) => {
    for (const row of page) insert.run(...row)
  })
  started = performance.now()
  for (const page of batches) copy(page)
  const plainInsertRowsPerS = Math.round(rows / ((performance.now() - started) / 1000))
  log(`  plain insert: ${plainInsertRowsPerS} rows/s`)

  const fixupSales = db.prepare('SELECT count(*) FROM silver.sales_enriched WHERE product_id = ?').pluck().get(LATE_PRODUCT) as number
  started = performance.now()
  await importDimension(
    db,
    enricher,
    DIMENSIONS.product,
    csv('product_id,product_name,category', 1, () => `${LATE_PRODUCT},Late Product,Category 1`),
    'csv',
    { asOfMs: Date.now() },
  )
  const fixupMs = Math.round(performance.now() - started)
  log(`  late product fixing up ${fixupSales} sales: ${fixupMs} ms`)
  db.close()
  return { rows, products, customers, silverRowsPerS, plainInsertRowsPerS, fixupSales, fixupMs }
}
