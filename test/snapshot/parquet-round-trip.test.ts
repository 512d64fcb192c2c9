import { DuckDBInstance } from '@duckdb/node-api'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SnapshotBuilder } from '../../src/snapshot/snapshot-builder.js'
import { sha256Hex } from '../../src/util/digest.js'
import type { SnapshotManifest } from '../../src/contract/snapshot-manifest.js'
import { seedSale } from '../helpers/sales.js'
import { CUSTOMERS_CSV, PRODUCTS_CSV, SilverHarness, STORES_CSV } from '../helpers/silver-harness.js'
import { dayColumnOf, SHIPPED_TABLE_NAMES } from '../../src/gold/gold-tables.js'

describe('gold -> Parquet -> DuckDB gives back gold', () => {
  const h = new SilverHarness()
  const dir = join(h.dir.path, 'snapshots')
  let manifests: SnapshotManifest[]

  beforeAll(async () => {
    await h.importDims('store', STORES_CSV)
    await h.importDims('product', PRODUCTS_CSV)
    await h.importDims('customer', CUSTOMERS_CSV)
    const sales = []
    for (let i = 0; i < 300; i++) {
      sales.push(
        seedSale({
          store_id: i % 2 === 0 ? 'store_001' : 'store_002',
          device_id: `d${i % 4}`,
          timestamp: new Date(Date.parse('2025-05-01T08:00:00Z') + i * 17 * 60_000).toISOString(),
          product_id: i % 3 === 0 ? 102 : 101,
          price: (101 + i) / 100,
          quantity: 1 + (i % 3),
          customer_id: i % 5 === 0 ? null : 1001 + (i % 2),
          order_id: `o${Math.floor(i / 3)}`,
        }),
      )
    }
    h.ingest(sales)
    h.process()
    h.gold.refreshAll()
    manifests = new SnapshotBuilder(h.db, { dir, currency: { code: 'USD', minorUnitDigits: 2 } }).run().created
  })
  afterAll(() => h.close())

  it('one snapshot per store-day, with sha256 that match the files', () => {
    expect(manifests.length).toBe(h.db.prepare('SELECT count(*) FROM gold.kpi_daily_orders').pluck().get())
    for (const manifest of manifests) {
      expect(manifest.files.map((file) => file.table).sort()).toEqual([...SHIPPED_TABLE_NAMES].sort())
      for (const file of manifest.files) {
        expect(file.path).toBe(
          `${file.table}/${dayColumnOf(file.table)}=${manifest.sale_date}/store_id=${manifest.store_id}/part-${manifest.snapshot_id}.parquet`,
        )
        expect(sha256Hex(readFileSync(join(dir, manifest.snapshot_id, file.path)))).toBe(file.sha256)
      }
    }
  })

  it('DuckDB reads the Hive layout with typed columns and the exact gold rows', async () => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const glob = `${dir}/*/fact_daily_sales/**/*.parquet`
    const types = (await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = true)`))
      .getRowObjects()
      .map((row) => [row.column_name, row.column_type])
    // The partition columns come from the path only (since schema version 2), typed by DuckDB's Hive reading.
    expect(types).toEqual([
      ['region', 'VARCHAR'],
      ['category', 'VARCHAR'],
      ['daily_sales_amount', 'BIGINT'],
      ['sales_count', 'BIGINT'],
      ['order_count', 'BIGINT'],
      ['avg_order_amount', 'DOUBLE'],
      ['gross_amount', 'BIGINT'],
      ['returns_amount', 'BIGINT'],
      ['returns_count', 'BIGINT'],
      ['voids_count', 'BIGINT'],
      ['sale_date', 'DATE'],
      ['store_id', 'VARCHAR'],
    ])
    const lake = (
      await duck.runAndReadAll(`SELECT strftime(sale_date, '%Y-%m-%d') AS sale_date, store_id, region, category,
        daily_sales_amount::DOUBLE AS amount, sales_count::DOUBLE AS lines, order_count::DOUBLE AS orders, avg_order_amount
      FROM read_parquet('${glob}', hive_partitioning = true) ORDER BY ALL`)
    ).getRowObjects()
    const gold = h.db
      .prepare(
        `SELECT sale_date, store_id, region, category, daily_sales_amount AS amount, sales_count AS lines,
        order_count AS orders, avg_order_amount FROM gold.fact_daily_sales ORDER BY sale_date, store_id, region, category`,
      )
      .all()
    expect(lake).toEqual(gold)
    const total = (
      await duck.runAndReadAll(
        `SELECT sum(total_amount)::VARCHAR AS cents FROM read_parquet('${dir}/*/kpi_daily_orders/**/*.parquet', hive_partitioning = true)`,
      )
    ).getRowObjects()[0]!.cents
    expect(total).toBe(String(h.db.prepare('SELECT sum(total_amount) FROM gold.kpi_daily_orders').pluck().get()))
    const metadata = (
      await duck.runAndReadAll(
        `SELECT DISTINCT key::VARCHAR AS k, value::VARCHAR AS v FROM parquet_kv_metadata('${glob}') WHERE key::VARCHAR LIKE 'medallion.%' AND key::VARCHAR NOT IN ('medallion.snapshot_id', 'medallion.sale_date', 'medallion.store_id') ORDER BY k`,
      )
    ).getRowObjects()
    expect(metadata).toEqual([
      { k: 'medallion.amounts', v: 'integer minor units' },
      { k: 'medallion.currency', v: 'USD' },
      { k: 'medallion.minor_unit_digits', v: '2' },
      { k: 'medallion.schema_version', v: '3' },
      { k: 'medallion.table', v: 'fact_daily_sales' },
    ])
  })

  it('a day that did not change gets no new snapshot; one that changed supersedes its last', () => {
    const builder = new SnapshotBuilder(h.db, { dir, currency: { code: 'USD', minorUnitDigits: 2 } })
    h.gold.rebuild() // rewrites every day with the same content
    expect(builder.run()).toMatchObject({ created: [], unchanged: manifests.length })
    h.ingest([seedSale({ timestamp: '2025-05-01T12:00:00Z', price: 1 })])
    h.process()
    h.gold.refreshAll()
    const { created } = builder.run()
    expect(created.map((m) => [m.snapshot_id, m.supersedes])).toEqual([['store_001-2025-05-01-v2', 'store_001-2025-05-01-v1']])
  })
})
