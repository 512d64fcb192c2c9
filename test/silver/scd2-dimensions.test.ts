import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

const T0 = Date.parse('2025-06-01T00:00:00Z')
const CHANGE = Date.parse('2025-06-15T00:00:00Z')

describe('SCD type 2 dimensions and point-in-time enrichment', () => {
  let h: SilverHarness
  beforeEach(() => {
    h = new SilverHarness()
  })
  afterEach(() => h.close())

  it('a changed category closes the old version and opens a new one; each sale joins the version of its time', async () => {
    expect(await h.importDims('product', 'product_id,product_name,category\n101,Espresso,Beverages\n', T0)).toMatchObject({
      inserted: 1,
      changed: 0,
      unchanged: 0,
    })
    h.ingest([seedSale({ event_id: 'before', timestamp: '2025-06-10T12:00:00Z' }), seedSale({ event_id: 'after', timestamp: '2025-06-20T12:00:00Z' })])
    h.process()
    const summary = await h.importDims('product', 'product_id,product_name,category\n101,Espresso,Coffee\n', CHANGE)
    expect(summary).toMatchObject({ inserted: 0, changed: 1, unchanged: 0, reenriched: 1 })

    const versions = h.db
      .prepare('SELECT category, valid_from, valid_to, is_current FROM silver.dim_product WHERE product_id = 101 ORDER BY valid_from_ms')
      .all()
    expect(versions).toEqual([
      { category: 'Beverages', valid_from: '0001-01-01T00:00:00.000Z', valid_to: '2025-06-15T00:00:00.000Z', is_current: 0 },
      { category: 'Coffee', valid_from: '2025-06-15T00:00:00.000Z', valid_to: null, is_current: 1 },
    ])
    expect(h.silver().map((row) => [row.event_id, row.category])).toEqual([
      ['before', 'Beverages'],
      ['after', 'Coffee'],
    ])
    // A sale arriving late, from before the change, still joins the old version.
    h.ingest([seedSale({ event_id: 'late', timestamp: '2025-06-01T08:00:00Z' })])
    h.process()
    expect(h.silver().find((row) => row.event_id === 'late')!.category).toBe('Beverages')
  })

  it('loading the same file twice changes nothing', async () => {
    const file = 'product_id,product_name,category,brand\n101,Espresso,Beverages,Acme\n102,"Croissant, butter",Bakery,\n'
    await h.importDims('product', file, T0)
    const before = h.db.prepare('SELECT * FROM silver.dim_product ORDER BY product_key').all()
    expect(await h.importDims('product', file, T0 + 1000)).toMatchObject({ inserted: 0, changed: 0, unchanged: 2, reenriched: 0 })
    expect(h.db.prepare('SELECT * FROM silver.dim_product ORDER BY product_key').all()).toEqual(before)
  })

  it('an extra column is a tracked attribute too, kept as JSON', async () => {
    await h.importDims('product', 'product_id,product_name,category,brand\n101,Espresso,Beverages,Acme\n', T0)
    expect(await h.importDims('product', 'product_id,product_name,category,brand\n101,Espresso,Beverages,Zenith\n', CHANGE)).toMatchObject({ changed: 1 })
    expect(h.db.prepare('SELECT attributes FROM silver.dim_product WHERE is_current = 1').pluck().get()).toBe('{"brand":"Zenith"}')
  })

  it('a valid_from column dates the change; one not after the current version is refused', async () => {
    await h.importDims('customer', 'customer_id,customer_name,region\n1001,Ada,North\n', T0)
    h.ingest([seedSale({ event_id: 'may', timestamp: '2025-05-20T12:00:00Z' })])
    h.process()
    expect(h.silver()[0]!.region).toBe('North')
    // Central says the customer moved on 1 May: the May sale is re-enriched.
    await h.importDims('customer', 'customer_id,customer_name,region,valid_from\n1001,Ada,South,2025-05-01\n', CHANGE)
    expect(h.silver()[0]!.region).toBe('South')
    await expect(h.importDims('customer', 'customer_id,customer_name,region,valid_from\n1001,Ada,East,2025-04-01\n', CHANGE)).rejects.toThrow(
      /line 2: valid_from 2025-04-01T00:00:00.000Z is not after the current version/,
    )
    expect(h.db.prepare('SELECT count(*) FROM silver.dim_customer').pluck().get()).toBe(2)
  })

  it('JSON lines work like CSV', async () => {
    const summary = await h.importDims(
      'store',
      '{"store_id":"store_001","store_name":"Downtown","region":"North","timezone":"America/New_York"}\n',
      T0,
      'jsonl',
    )
    expect(summary).toMatchObject({ inserted: 1, rows: 1 })
  })
})
