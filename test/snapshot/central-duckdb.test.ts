import { DuckDBInstance } from '@duckdb/node-api'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Outbox } from '../../src/delivery/outbox.js'
import { SnapshotBuilder } from '../../src/snapshot/snapshot-builder.js'
import { DirectoryTarget } from '../../src/delivery/targets/directory-target.js'
import { seedSale } from '../helpers/sales.js'
import { CUSTOMERS_CSV, PRODUCTS_CSV, SilverHarness } from '../helpers/silver-harness.js'
import { makeTempDir } from '../helpers/temp-dir.js'

/** The query docs/central.md shows for DuckDB, taken from the doc itself so the two cannot drift. */
function documentedQuery(): string {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/central.md', import.meta.url)), 'utf8')
  const match = /```sql duckdb\n([\s\S]*?)```/.exec(doc)
  if (!match) throw new Error('docs/central.md has no ```sql duckdb block')
  return match[1]!
}

describe('docs/central.md: DuckDB over a lake that keeps every version', () => {
  it('applies supersedes with the manifests and equals gold', async () => {
    const h = new SilverHarness()
    await h.importDims('product', PRODUCTS_CSV)
    await h.importDims('customer', CUSTOMERS_CSV)
    const lake = makeTempDir('medallion-s3-like-')
    const dir = join(h.dir.path, 'snapshots')
    const builder = new SnapshotBuilder(h.db, { dir, currency: { code: 'USD', minorUnitDigits: 2 } })
    const outbox = new Outbox(h.db, { dir, retry: { baseDelayMs: 1, maxDelayMs: 1 } })
    const target = new DirectoryTarget(lake.path)
    const ship = async (): Promise<void> => {
      h.process()
      h.gold.refreshAll()
      builder.run()
      await outbox.shipDue([target])
    }
    h.ingest([seedSale({ timestamp: '2025-05-01T10:00:00Z', price: 5 }), seedSale({ timestamp: '2025-05-02T10:00:00Z', product_id: 102, price: 7 })])
    await ship()
    // Late data for 1 May: version 2 is shipped next to version 1, which stays in the "bucket".
    h.ingest([seedSale({ timestamp: '2025-05-01T11:00:00Z', product_id: 102, price: 2, customer_id: null })])
    await ship()
    expect(JSON.parse(readFileSync(join(lake.path, '_manifests/store_001-2025-05-01-v2.json'), 'utf8'))).toMatchObject({
      supersedes: 'store_001-2025-05-01-v1',
    })
    expect(
      readFileSync(join(lake.path, 'fact_daily_sales/sale_date=2025-05-01/store_id=store_001/part-store_001-2025-05-01-v1.parquet')).byteLength,
    ).toBeGreaterThan(0)

    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const rows = (await duck.runAndReadAll(documentedQuery().replaceAll('{lake}', lake.path)))
      .getRowObjects()
      .map((row) => [
        String(row.sale_date),
        row.store_id,
        row.region,
        row.category,
        Number(row.daily_sales_amount),
        Number(row.sales_count),
        Number(row.order_count),
      ])
    const gold = h.db
      .prepare(
        'SELECT sale_date, store_id, region, category, daily_sales_amount, sales_count, order_count FROM gold.fact_daily_sales ORDER BY sale_date, store_id, region, category',
      )
      .raw()
      .all() as unknown[][]
    expect(rows).toEqual(gold)
    expect(rows.length).toBe(3)
    h.close()
    lake.remove()
  })
})
