import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GoldReader } from '../../src/gold/gold-reader.js'
import { seededRandom } from '../../src/simulate/random.js'
import { SilverHarness } from '../helpers/silver-harness.js'

const STORES = [
  { storeId: 'store_001', timezone: 'America/New_York' },
  { storeId: 'store_002', timezone: 'Europe/Paris' },
]
const PRODUCTS = 200
const CUSTOMERS = 1000
const CATEGORIES = ['Beverages', 'Bakery', 'Grocery', 'Electronics', 'Household']
const REGIONS = ['North', 'South', 'East', 'West']
const category = (productId: number): string => CATEGORIES[productId % CATEGORIES.length]!
const region = (customerId: number): string => REGIONS[customerId % REGIONS.length]!

interface GeneratedSale {
  event_id: string
  device_id: string
  store_id: string
  timestamp: string
  product_id: number
  price: number
  quantity: number
  customer_id: number | null
  order_id: string
  cents: number
}

/** The expected gold, computed from the generated events alone, not from silver. */
function independentTotals(sales: GeneratedSale[]): Map<string, { cents: number; lines: number; orders: Set<string> }> {
  const dates = new Map(
    STORES.map((store) => [store.storeId, new Intl.DateTimeFormat('en-CA', { timeZone: store.timezone, year: 'numeric', month: '2-digit', day: '2-digit' })]),
  )
  const groups = new Map<string, { cents: number; lines: number; orders: Set<string> }>()
  for (const sale of sales) {
    const date = dates.get(sale.store_id)!.format(new Date(sale.timestamp))
    const key = [date, sale.store_id, sale.customer_id === null ? 'Anonymous' : region(sale.customer_id), category(sale.product_id)].join('|')
    const group = groups.get(key) ?? { cents: 0, lines: 0, orders: new Set<string>() }
    group.cents += sale.cents * sale.quantity
    group.lines++
    group.orders.add(`${sale.device_id}/${sale.order_id}`)
    groups.set(key, group)
  }
  return groups
}

describe('gold equals an independent computation over the raw events', () => {
  const h = new SilverHarness()
  const random = seededRandom(42)
  const valid: GeneratedSale[] = []
  afterAll(() => h.close())

  beforeAll(async () => {
    // Half the products and customers are known from the start, the rest arrive late.
    const csv = (header: string, rows: string[]): string => `${header}\n${rows.join('\n')}\n`
    const productRows = Array.from({ length: PRODUCTS }, (_, i) => `${i + 1},Product ${i + 1},${category(i + 1)}`)
    const customerRows = Array.from({ length: CUSTOMERS }, (_, i) => `${i + 1},Customer ${i + 1},${region(i + 1)}`)
    await h.importDims(
      'store',
      csv(
        'store_id,store_name,region,timezone',
        STORES.map((s) => `${s.storeId},${s.storeId},North,${s.timezone}`),
      ),
    )
    await h.importDims('product', csv('product_id,product_name,category', productRows.slice(0, PRODUCTS / 2)))
    await h.importDims('customer', csv('customer_id,customer_name,region', customerRows.slice(0, CUSTOMERS / 2)))

    // One day of 100k sales around the stores' midnights (UTC 2025-05-01 12:00 to 2025-05-02 12:00).
    const start = Date.parse('2025-05-01T12:00:00Z')
    let batch: Record<string, unknown>[] = []
    let order = ''
    for (let i = 0; i < 100_000; i++) {
      const store = STORES[i % 2]!
      if (i % 3 === 0) order = randomUUID().slice(0, 8)
      const cents = 1 + Math.floor(random() * 5000)
      const sale: GeneratedSale = {
        event_id: randomUUID(),
        device_id: `${store.storeId}-till-${i % 7}`,
        store_id: store.storeId,
        timestamp: new Date(start + Math.floor((i / 100_000) * 86_400_000)).toISOString(),
        product_id: 1 + Math.floor(random() * PRODUCTS),
        price: cents / 100,
        quantity: 1 + Math.floor(random() * 3),
        customer_id: random() < 0.3 ? null : 1 + Math.floor(random() * CUSTOMERS),
        order_id: order,
        cents,
      }
      valid.push(sale)
      const { cents: _cents, ...payload } = sale
      batch.push(payload)
      if (random() < 0.05) batch.push(payload) // a duplicate
      if (batch.length >= 1000) {
        h.ingest(batch)
        h.process()
        if (random() < 0.3) h.gold.refreshAll() // gold refreshes now and then, mid-stream
        batch = []
      }
    }
    h.ingest(batch)
    // Bad rows go to bronze rejects and must count nowhere.
    h.ingestRaw(
      ['not json', JSON.stringify({ ...valid[0], event_id: 'neg', price: -1 }), JSON.stringify({ ...valid[0], event_id: 'cents', price: 1.001 })],
      'store_001',
      'store_001-till-0',
    )
    h.process()
    h.gold.refreshAll()
    // The late half of the dimensions arrives: sales are re-enriched and their days recomputed.
    await h.importDims('product', csv('product_id,product_name,category', productRows))
    await h.importDims('customer', csv('customer_id,customer_name,region', customerRows))
    h.gold.refreshAll()
  }, 120_000)

  it('per local date, store, region and category, in exact cents, with distinct orders', () => {
    const expected = independentTotals(valid)
    const actual = h.db
      .prepare('SELECT sale_date, store_id, region, category, daily_sales_amount, sales_count, order_count FROM gold.fact_daily_sales')
      .all() as {
      sale_date: string
      store_id: string
      region: string
      category: string
      daily_sales_amount: number
      sales_count: number
      order_count: number
    }[]
    expect(actual.length).toBe(expected.size)
    for (const row of actual) {
      const group = expected.get([row.sale_date, row.store_id, row.region, row.category].join('|'))
      expect(group, `${row.sale_date} ${row.store_id} ${row.region} ${row.category}`).toBeDefined()
      expect([row.daily_sales_amount, row.sales_count, row.order_count]).toEqual([group!.cents, group!.lines, group!.orders.size])
    }
    const days = new Set(actual.map((row) => row.sale_date))
    expect([...days].sort()).toEqual(['2025-05-01', '2025-05-02']) // both zones cross their midnight
  })

  it("per device (till) and day, in exact cents, lines, units and orders, which add up to the day's", () => {
    const dates = new Map(
      STORES.map((store) => [store.storeId, new Intl.DateTimeFormat('en-CA', { timeZone: store.timezone, year: 'numeric', month: '2-digit', day: '2-digit' })]),
    )
    const expected = new Map<string, [cents: number, lines: number, units: number, orders: Set<string>]>()
    for (const sale of valid) {
      const key = [dates.get(sale.store_id)!.format(new Date(sale.timestamp)), sale.store_id, sale.device_id].join('|')
      const group = expected.get(key) ?? [0, 0, 0, new Set<string>()]
      group[0] += sale.cents * sale.quantity
      group[1]++
      group[2] += sale.quantity
      group[3].add(sale.order_id)
      expected.set(key, group)
    }
    const actual = h.db
      .prepare('SELECT sale_date, store_id, device_id, sales_amount, sales_count, units, order_count FROM gold.fact_daily_device_sales')
      .raw()
      .all() as [string, string, string, number, number, number, number][]
    expect(new Map(actual.map(([date, store, device, ...measures]) => [[date, store, device].join('|'), measures]))).toEqual(
      new Map([...expected].map(([key, [cents, lines, units, orders]]) => [key, [cents, lines, units, orders.size]])),
    )
    const byDay = h.db
      .prepare(
        `SELECT count(*) FROM gold.kpi_daily_orders k WHERE (k.total_amount, k.sales_count, k.units, k.order_count) IS NOT
          (SELECT sum(sales_amount), sum(sales_count), sum(units), sum(order_count) FROM gold.fact_daily_device_sales d WHERE d.store_id = k.store_id AND d.sale_date = k.sale_date)`,
      )
      .pluck()
      .get()
    expect(byDay).toBe(0)
  })

  it("the basket size the page computes from the totals, units / order_count, is gold's avg_units_per_order to the bit", () => {
    const reader = new GoldReader(h.dir.path, { code: 'USD', minorUnitDigits: 2 })
    try {
      const days = h.db.prepare('SELECT store_id, sale_date, units, order_count, avg_units_per_order FROM gold.kpi_daily_orders').all() as {
        store_id: string
        sale_date: string
        units: number
        order_count: number
        avg_units_per_order: number
      }[]
      expect(days.length).toBe(4)
      for (const day of days) {
        const totals = reader.totals(day.store_id, day.sale_date)
        expect([day.sale_date, day.store_id, totals.units, totals.order_count]).toEqual([day.sale_date, day.store_id, day.units, day.order_count])
        expect(totals.units / totals.order_count).toBe(day.avg_units_per_order)
        expect(Number.isInteger(day.avg_units_per_order)).toBe(false) // a real ratio, not a lucky whole number
      }
    } finally {
      reader.close()
    }
  })

  it('the day totals match too, and nothing is Unknown any more', () => {
    const grand = valid.reduce((sum, sale) => sum + sale.cents * sale.quantity, 0)
    expect(h.db.prepare('SELECT sum(total_amount) FROM gold.kpi_daily_orders').pluck().get()).toBe(grand)
    expect(h.db.prepare('SELECT sum(sales_count) FROM gold.kpi_daily_orders').pluck().get()).toBe(valid.length)
    expect(h.db.prepare("SELECT count(*) FROM gold.fact_daily_sales WHERE region = 'Unknown' OR category = 'Unknown'").pluck().get()).toBe(0)
    expect(h.db.prepare('SELECT sum(revenue_amount) FROM gold.kpi_revenue_by_region').pluck().get()).toBe(grand)
    expect(h.db.prepare('SELECT sum(sales_amount) FROM gold.fact_hourly_sales').pluck().get()).toBe(grand)
  })
})
