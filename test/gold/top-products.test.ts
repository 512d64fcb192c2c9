import { afterEach, describe, expect, it } from 'vitest'
import { seedSale } from '../helpers/sales.js'
import { dumpGold, SilverHarness } from '../helpers/silver-harness.js'

interface ProductRow {
  product_id: number
  product_name: string
  category: string
  sales_amount: number
  sales_count: number
  units: number
  order_count: number
  sales_rank: number
  last_sale_at: string
}

describe('gold.fact_daily_product_sales: the top products of a store-day', () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  const products = (harness: SilverHarness, date: string): ProductRow[] =>
    harness.db
      .prepare(
        `SELECT product_id, product_name, category,
    sales_amount, sales_count, units, order_count, sales_rank, last_sale_at FROM gold.fact_daily_product_sales
    WHERE store_id = 'store_001' AND sale_date = ? ORDER BY sales_rank`,
      )
      .all(date) as ProductRow[]

  it('ranks by amount, then units, then product id, with exact measures and distinct orders', async () => {
    h = new SilverHarness()
    await h.importDims('product', 'product_id,product_name,category\n1,Tea,Drinks\n2,Cake,Bakery\n3,Jam,Pantry\n4,Salt,Pantry\n5,Pie,Bakery\n')
    h.ingest([
      seedSale({ product_id: 1, price: 2.5, quantity: 2, order_id: 'o1', timestamp: '2025-05-01T09:00:00Z' }),
      seedSale({ product_id: 1, price: 2.5, quantity: 1, order_id: 'o1', timestamp: '2025-05-01T09:01:00Z' }),
      seedSale({ product_id: 3, price: 3.75, quantity: 2, timestamp: '2025-05-01T11:00:00Z' }),
      seedSale({ product_id: 5, price: 7.5, order_id: 'o5', timestamp: '2025-05-01T10:30:00Z' }),
      seedSale({ product_id: 2, price: 7.5, order_id: 'o2', timestamp: '2025-05-01T10:00:00Z' }),
      seedSale({ product_id: 4, price: 0.5, quantity: 3, order_id: 'o3', timestamp: '2025-05-01T12:00:00Z' }),
      seedSale({ product_id: 4, price: 0.5, order_id: 'o4', timestamp: '2025-05-01T12:30:00Z' }),
    ])
    h.process()
    h.gold.refreshAll()
    // 7.50 each for Tea (3 units), Jam (2), Cake and Pie (1 each: the lower id first).
    expect(products(h, '2025-05-01')).toEqual([
      {
        product_id: 1,
        product_name: 'Tea',
        category: 'Drinks',
        sales_amount: 750,
        sales_count: 2,
        units: 3,
        order_count: 1,
        sales_rank: 1,
        last_sale_at: '2025-05-01T09:01:00.000Z',
      },
      {
        product_id: 3,
        product_name: 'Jam',
        category: 'Pantry',
        sales_amount: 750,
        sales_count: 1,
        units: 2,
        order_count: 1,
        sales_rank: 2,
        last_sale_at: '2025-05-01T11:00:00.000Z',
      },
      {
        product_id: 2,
        product_name: 'Cake',
        category: 'Bakery',
        sales_amount: 750,
        sales_count: 1,
        units: 1,
        order_count: 1,
        sales_rank: 3,
        last_sale_at: '2025-05-01T10:00:00.000Z',
      },
      {
        product_id: 5,
        product_name: 'Pie',
        category: 'Bakery',
        sales_amount: 750,
        sales_count: 1,
        units: 1,
        order_count: 1,
        sales_rank: 4,
        last_sale_at: '2025-05-01T10:30:00.000Z',
      },
      {
        product_id: 4,
        product_name: 'Salt',
        category: 'Pantry',
        sales_amount: 200,
        sales_count: 2,
        units: 4,
        order_count: 2,
        sales_rank: 5,
        last_sale_at: '2025-05-01T12:30:00.000Z',
      },
    ])
  })

  it('names a product as silver named its last sale of that day (SCD2), Unknown until it arrives', async () => {
    h = new SilverHarness()
    h.ingest([
      seedSale({ product_id: 7, price: 1, timestamp: '2025-05-01T09:00:00Z' }),
      seedSale({ product_id: 7, price: 1, timestamp: '2025-05-02T09:00:00Z' }),
      seedSale({ product_id: 7, price: 1, timestamp: '2025-05-02T15:00:00Z' }),
    ])
    h.process()
    h.gold.refreshAll()
    expect(products(h, '2025-05-01')).toMatchObject([{ product_id: 7, product_name: 'Unknown', category: 'Unknown' }])
    // The product arrives (valid for all earlier sales), then is renamed from noon on 2 May.
    await h.importDims('product', 'product_id,product_name,category\n7,Latte,Coffee\n')
    await h.importDims('product', 'product_id,product_name,category,valid_from\n7,Oat Latte,Coffee,2025-05-02T12:00:00Z\n')
    h.gold.refreshAll()
    expect(products(h, '2025-05-01')).toMatchObject([{ product_name: 'Latte', category: 'Coffee', sales_count: 1 }])
    expect(products(h, '2025-05-02')).toMatchObject([
      { product_name: 'Oat Latte', category: 'Coffee', sales_count: 2, last_sale_at: '2025-05-02T15:00:00.000Z' },
    ])
    // The same from a rebuild.
    const incremental = dumpGold(h.db)
    h.gold.rebuild()
    expect(dumpGold(h.db)).toBe(incremental)
  })

  it('after an upgrade, the days gold already held are backfilled once; a day silver no longer holds keeps its rows', async () => {
    h = new SilverHarness()
    await h.importDims('product', 'product_id,product_name,category\n1,Tea,Drinks\n')
    h.ingest(['2025-05-01', '2025-05-02', '2025-05-03'].map((date) => seedSale({ product_id: 1, price: 2, timestamp: `${date}T10:00:00Z` })))
    h.process()
    h.gold.refreshAll()
    // As gold.db was before the table existed: the rows missing, the migration's marker set.
    h.db.prepare('DELETE FROM gold.fact_daily_product_sales').run()
    h.db.prepare("INSERT OR REPLACE INTO gold.pipeline_state (name, value) VALUES ('backfill', 'fact_daily_product_sales')").run()
    // Silver no longer holds 2 May (retention): its gold rows must stay as they are.
    h.db.prepare("DELETE FROM silver.sales_enriched WHERE sale_date = '2025-05-02'").run()
    const kept = h.db.prepare("SELECT * FROM gold.kpi_daily_orders WHERE sale_date = '2025-05-02'").all()
    let steps = 0
    while (h.gold.backfillStep(1)) steps++
    expect(steps).toBe(3) // one day per step, then the step that finds nothing more
    expect(products(h, '2025-05-01')).toMatchObject([{ product_name: 'Tea', sales_amount: 200 }])
    expect(products(h, '2025-05-03')).toMatchObject([{ product_name: 'Tea', sales_amount: 200 }])
    expect(products(h, '2025-05-02')).toEqual([])
    expect(h.db.prepare("SELECT * FROM gold.kpi_daily_orders WHERE sale_date = '2025-05-02'").all()).toEqual(kept)
    expect(h.db.prepare("SELECT count(*) FROM gold.pipeline_state WHERE name LIKE 'backfill%'").pluck().get()).toBe(0)
    expect(h.gold.backfillStep()).toBe(false)
  })
})
