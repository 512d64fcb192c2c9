import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GoldRefresher } from '../../src/gold/gold-refresher.js'
import { SalesEnricher } from '../../src/silver/sales-enricher.js'
import { Expectations } from '../../src/silver/expectations.js'
import { seededRandom } from '../../src/simulate/random.js'
import { dumpGold, SilverHarness } from '../helpers/silver-harness.js'

/**
 * A day of mixed baskets through the real bronze store, enricher and gold refresh, against gold
 * computed here from the events alone (issue 22): sales, exchanges, return-only baskets, returns
 * of last week's sales, voids before and after their line arrives (the second after gold counted
 * the line), a second void of a line, a void from another store.
 */
const TIMEZONE = 'America/New_York'
const PRODUCTS: Record<number, { name: string; category: string }> = {
  101: { name: 'Espresso', category: 'Beverages' },
  102: { name: 'Croissant', category: 'Bakery' },
  103: { name: 'Baguette', category: 'Bakery' },
  104: { name: 'Tea', category: 'Beverages' },
}
const CUSTOMERS: Record<number, string> = { 1001: 'North', 1002: 'South' }
const DEVICES = ['till-1', 'till-2', 'till-3']

interface Line {
  event_id: string
  device_id: string
  store_id: string
  timestamp: string
  product_id: number
  price: number
  quantity: number
  customer_id: number | null
  order_id: string | null
  refund_of?: string
  reason?: string
}

interface Void {
  event_id: string
  device_id: string
  store_id: string
  timestamp: string
  void_of: string
}

const localDate = new Intl.DateTimeFormat('en-CA', { timeZone: TIMEZONE, year: 'numeric', month: '2-digit', day: '2-digit' })
const localHour = new Intl.DateTimeFormat('en-US', { timeZone: TIMEZONE, hour: 'numeric', hourCycle: 'h23' })

/** The day's events, in the order they reach the gateway, in batches: [lines, voids] per batch. */
function mixedDay(): { batches: (Line | Void)[][]; lines: Line[]; voids: Void[] } {
  const random = seededRandom(22)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const lines: Line[] = []
  const start = Date.parse('2025-05-01T13:00:00Z') // 09:00 in New York
  let n = 0
  for (let basket = 0; basket < 400; basket++) {
    const device = pick(DEVICES)
    const at = (offset: number): string => new Date(start + basket * 120_000 + offset * 1000).toISOString()
    const customer = random() < 0.3 ? null : pick([1001, 1002])
    const order = random() < 0.1 ? null : `o-${basket}`
    const kind = random()
    const line = (offset: number, quantity: number, extra: Partial<Line> = {}): Line => {
      const product = pick([101, 102, 103, 104])
      return {
        event_id: `e-${n++}`,
        device_id: device,
        store_id: 'store_001',
        timestamp: at(offset),
        product_id: product,
        price: pick([1.5, 2.25, 3.1, 12.99, 0]),
        quantity,
        customer_id: customer,
        order_id: order,
        ...extra,
      }
    }
    if (kind < 0.1) {
      // A return-only basket: returns of last week's sales (unknown here), one with a reason.
      lines.push(line(0, -1, { refund_of: `last-week-${basket}`, reason: 'damaged' }))
      if (random() < 0.5) lines.push(line(5, -2, { refund_of: `last-week-${basket}-b` }))
    } else if (kind < 0.2) {
      // An exchange: one back and one out, in either order.
      if (random() < 0.5) lines.push(line(0, 1), line(3, -1, { reason: 'wrong size' }))
      else lines.push(line(0, -1, { reason: 'wrong size' }), line(3, 1))
    } else {
      const count = 1 + Math.floor(random() * 4)
      for (let i = 0; i < count; i++) lines.push(line(i * 7, 1 + Math.floor(random() * 3)))
    }
  }
  // Voids: of every 15th line, sent a minute after it; every 45th is voided twice.
  const voids: Void[] = []
  lines.forEach((target, index) => {
    if (index % 15 !== 7) return
    const voidAt = new Date(Date.parse(target.timestamp) + 60_000).toISOString()
    const v = { device_id: target.device_id, store_id: target.store_id, timestamp: voidAt, void_of: target.event_id }
    voids.push({ ...v, event_id: `v-${index}` })
    if (index % 45 === 7) voids.push({ ...v, event_id: `v-${index}-again`, timestamp: new Date(Date.parse(voidAt) + 1000).toISOString() })
  })
  // The same device in another store voiding a line: refused, the line counts.
  const other = lines[3]!
  voids.push({ event_id: 'v-other-store', device_id: other.device_id, store_id: 'store_002', timestamp: other.timestamp, void_of: other.event_id })

  // Four batches: half the voids come before their line (late lines), half after gold counted it.
  const batches: (Line | Void)[][] = [[], [], [], []]
  const batchOfLine = new Map<string, number>()
  lines.forEach((line, index) => {
    const batch = index < lines.length / 2 ? 0 : 2
    batches[batch]!.push(line)
    batchOfLine.set(line.event_id, batch)
  })
  voids.forEach((v, index) => {
    const lineBatch = batchOfLine.get(v.void_of)!
    const early = index % 2 === 0
    // Before: in the batch before the line's (batch 0 lines get theirs first in the same batch).
    if (early && lineBatch === 2) batches[1]!.push(v)
    else if (early) batches[0]!.unshift(v)
    else batches[lineBatch + 1]!.push(v)
  })
  return { batches, lines, voids }
}

/** Gold as it should be, from the events: every table's rows, keyed as gold keys them. */
function expectedGold(lines: Line[], voids: Void[]): Record<string, Record<string, unknown>[]> {
  const voided = new Set<string>()
  for (const v of voids) {
    const line = lines.find((candidate) => candidate.event_id === v.void_of && candidate.device_id === v.device_id)
    if (line !== undefined && line.store_id === v.store_id) voided.add(line.event_id)
  }
  interface Group {
    keys: Record<string, unknown>
    amount: number
    lines: number
    units: number
    orders: Set<string>
    gross: number
    returnsAmount: number
    returns: number
    returnedUnits: number
    voids: number
    lastSaleMs: number
  }
  const tables = new Map<string, Map<string, Group>>()
  const add = (table: string, keys: Record<string, unknown>, line: Line, isVoided: boolean, orderKey: string): void => {
    const groups = tables.get(table) ?? new Map<string, Group>()
    tables.set(table, groups)
    const id = JSON.stringify(keys)
    const group = groups.get(id) ?? {
      keys,
      amount: 0,
      lines: 0,
      units: 0,
      orders: new Set<string>(),
      gross: 0,
      returnsAmount: 0,
      returns: 0,
      returnedUnits: 0,
      voids: 0,
      lastSaleMs: Number.NEGATIVE_INFINITY,
    }
    groups.set(id, group)
    if (isVoided) {
      group.voids++
      return
    }
    const cents = Math.round(line.price * 100) * line.quantity
    group.amount += cents
    group.units += line.quantity
    group.lastSaleMs = Math.max(group.lastSaleMs, Date.parse(line.timestamp))
    if (line.quantity < 0) {
      group.returnsAmount -= cents
      group.returns++
      group.returnedUnits -= line.quantity
    } else {
      group.gross += cents
      group.lines++
      group.orders.add(orderKey)
    }
  }
  lines.forEach((line) => {
    const isVoided = voided.has(line.event_id)
    const day = { sale_date: localDate.format(new Date(line.timestamp)), store_id: line.store_id }
    const region = line.customer_id === null ? 'Anonymous' : CUSTOMERS[line.customer_id]!
    const category = PRODUCTS[line.product_id]!.category
    const orderKey = line.order_id === null ? `lone:${line.event_id}` : `${line.device_id}/${line.order_id}`
    add('fact_daily_sales', { ...day, region, category }, line, isVoided, orderKey)
    add('fact_hourly_sales', { ...day, sale_hour: Number(localHour.format(new Date(line.timestamp))) }, line, isVoided, orderKey)
    add('kpi_revenue_by_region', { ...day, region }, line, isVoided, orderKey)
    add('kpi_daily_orders', day, line, isVoided, orderKey)
    add('fact_daily_device_sales', { ...day, device_id: line.device_id }, line, isVoided, orderKey)
    if (!isVoided) add('fact_daily_product_sales', { ...day, product_id: line.product_id }, line, false, orderKey)
  })
  const perOrder = (value: number, orders: number): number => (orders === 0 ? 0 : value / orders)
  const returns = (g: Group): Record<string, number> => ({
    gross_amount: g.gross,
    returns_amount: g.returnsAmount,
    returns_count: g.returns,
    voids_count: g.voids,
  })
  const rows = (table: string, shape: (g: Group) => Record<string, unknown>): Record<string, unknown>[] =>
    [...(tables.get(table)?.values() ?? [])].map((g) => ({ ...g.keys, ...shape(g) }))
  const products = rows('fact_daily_product_sales', (g) => ({
    product_name: PRODUCTS[g.keys.product_id as number]!.name,
    category: PRODUCTS[g.keys.product_id as number]!.category,
    sales_amount: g.amount,
    sales_count: g.lines,
    units: g.units,
    order_count: g.orders.size,
    sales_rank: 0,
    last_sale_at: new Date(g.lastSaleMs).toISOString(),
    gross_amount: g.gross,
    returns_amount: g.returnsAmount,
    returns_count: g.returns,
    returned_units: g.returnedUnits,
  }))
  products
    .sort(
      (a, b) =>
        (b.sales_amount as number) - (a.sales_amount as number) ||
        (b.units as number) - (a.units as number) ||
        (a.product_id as number) - (b.product_id as number),
    )
    .forEach((row, index) => (row.sales_rank = index + 1))
  return {
    fact_daily_sales: rows('fact_daily_sales', (g) => ({
      daily_sales_amount: g.amount,
      sales_count: g.lines,
      order_count: g.orders.size,
      avg_order_amount: perOrder(g.amount, g.orders.size),
      ...returns(g),
    })),
    fact_hourly_sales: rows('fact_hourly_sales', (g) => ({ sales_amount: g.amount, sales_count: g.lines, order_count: g.orders.size, ...returns(g) })),
    kpi_revenue_by_region: rows('kpi_revenue_by_region', (g) => ({
      revenue_amount: g.amount,
      sales_count: g.lines,
      order_count: g.orders.size,
      avg_order_amount: perOrder(g.amount, g.orders.size),
      ...returns(g),
    })),
    kpi_daily_orders: rows('kpi_daily_orders', (g) => ({
      total_amount: g.amount,
      sales_count: g.lines,
      units: g.units,
      order_count: g.orders.size,
      avg_order_amount: perOrder(g.amount, g.orders.size),
      avg_units_per_order: perOrder(g.units, g.orders.size),
      ...returns(g),
    })),
    fact_daily_product_sales: products,
    fact_daily_device_sales: rows('fact_daily_device_sales', (g) => ({
      sales_amount: g.amount,
      sales_count: g.lines,
      units: g.units,
      order_count: g.orders.size,
      ...returns(g),
    })),
  }
}

/** Rows of both sides in one order, numbers to 9 significant digits (averages are divisions). */
function normalized(rows: Record<string, unknown>[]): string[] {
  return rows
    .map((row) =>
      JSON.stringify(
        Object.fromEntries(
          Object.keys(row)
            .sort()
            .map((key) => [key, typeof row[key] === 'number' ? Number((row[key] as number).toPrecision(9)) : row[key]]),
        ),
      ),
    )
    .sort()
}

function goldRows(h: SilverHarness): Record<string, Record<string, unknown>[]> {
  return Object.fromEntries(
    ['fact_daily_sales', 'fact_hourly_sales', 'kpi_revenue_by_region', 'kpi_daily_orders', 'fact_daily_product_sales', 'fact_daily_device_sales'].map(
      (table) => [table, h.db.prepare(`SELECT * FROM gold.${table}`).all() as Record<string, unknown>[]],
    ),
  )
}

describe('returns and voids: gold equals an independent computation over the events (issue 22)', () => {
  const h = new SilverHarness({ defaultTimezone: TIMEZONE })
  const day = mixedDay()
  let expected: Record<string, Record<string, unknown>[]>
  /** After each batch: gold as refreshed, and as computed from the events received so far. */
  const afterBatches: { gold: Record<string, Record<string, unknown>[]>; expected: Record<string, Record<string, unknown>[]> }[] = []
  afterAll(() => h.close())

  beforeAll(async () => {
    await h.importDims(
      'product',
      `product_id,product_name,category\n${Object.entries(PRODUCTS)
        .map(([id, p]) => `${id},${p.name},${p.category}`)
        .join('\n')}\n`,
    )
    await h.importDims(
      'customer',
      `customer_id,customer_name,region\n${Object.entries(CUSTOMERS)
        .map(([id, r]) => `${id},C${id},${r}`)
        .join('\n')}\n`,
    )
    await h.importDims('store', `store_id,store_name,region,timezone\nstore_001,Downtown,North,${TIMEZONE}\nstore_002,Harbour,West,Europe/Paris\n`)
    const received: (Line | Void)[] = []
    for (const batch of day.batches) {
      h.ingest(batch as unknown as Record<string, unknown>[])
      h.process()
      h.gold.refreshAll()
      received.push(...batch)
      const lines = received.filter((event): event is Line => !('void_of' in event))
      const voids = received.filter((event): event is Void => 'void_of' in event)
      afterBatches.push({ gold: goldRows(h), expected: expectedGold(lines, voids) })
    }
    expected = expectedGold(day.lines, day.voids)
  })

  it('the day has what it should: returns, exchanges, return-only baskets, voids both ways, repeats, a refused void', () => {
    const states = Object.fromEntries(
      (h.db.prepare('SELECT state, count(*) AS n FROM silver.sale_voids GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]),
    )
    expect(states.applied).toBeGreaterThan(20)
    expect(states.repeat).toBeGreaterThan(3)
    expect(states.refused).toBe(1)
    expect(states.pending).toBeUndefined()
    expect(h.db.prepare("SELECT reason FROM silver.sale_voids WHERE event_id = 'v-other-store'").pluck().get()).toMatch(
      /sold in store_001, the void came from store_002/,
    )
    const orders = expected.kpi_daily_orders![0]!
    expect(orders.returns_count).toBeGreaterThan(30)
    expect(orders.voids_count).toBe(states.applied)
    // silver == bronze: every line is in silver, voided ones marked, none deleted.
    expect(h.db.prepare('SELECT count(*) FROM silver.sales_enriched').pluck().get()).toBe(day.lines.length)
    expect(h.db.prepare('SELECT count(*) FROM silver.sales_enriched WHERE voided_by IS NOT NULL').pluck().get()).toBe(states.applied)
  })

  it('every gold figure of every table equals the independent computation, after each batch (new lines added, voided days recomputed) and at the end', () => {
    for (const [index, batch] of afterBatches.entries()) {
      for (const table of Object.keys(batch.expected))
        expect(normalized(batch.gold[table]!), `batch ${index + 1}, ${table}`).toEqual(normalized(batch.expected[table]!))
    }
    const gold = goldRows(h)
    for (const table of Object.keys(expected)) expect(normalized(gold[table]!), table).toEqual(normalized(expected[table]!))
    // Net is gross - returns, everywhere.
    for (const row of gold.kpi_daily_orders!) expect(row.total_amount).toBe((row.gross_amount as number) - (row.returns_amount as number))
  })

  it('after a restart (new connections on the same files) and a full gold rebuild, gold is the same to the byte', () => {
    const live = dumpGold(h.db)
    const enricher = new SalesEnricher(h.db, { defaultTimezone: TIMEZONE, minorUnitDigits: 2, expectations: new Expectations([], 2), batchRows: 1000 })
    expect(enricher.processNext().rows).toBe(0)
    const refresher = new GoldRefresher(h.db)
    refresher.refreshAll()
    expect(dumpGold(h.db)).toBe(live)
    refresher.rebuild()
    expect(dumpGold(h.db)).toBe(live)
  })
})

describe('a day of returns or voided lines only (issue 22)', () => {
  it('keeps its rows when it is recomputed, as the additions gave them', async () => {
    const h = new SilverHarness({ defaultTimezone: TIMEZONE })
    try {
      await h.importDims('store', `store_id,store_name,region,timezone\nstore_001,Downtown,North,${TIMEZONE}\n`)
      const line = { device_id: 'till-1', store_id: 'store_001', product_id: 101, price: 4, customer_id: null }
      // 1 May: one sale, voided after gold counted it. 2 May: a return of last week's sale only.
      h.ingest([
        { ...line, event_id: 'only', timestamp: '2025-05-01T14:00:00Z', quantity: 1 },
        { ...line, event_id: 'back', timestamp: '2025-05-02T14:00:00Z', quantity: -2, refund_of: 'last-week' },
      ])
      h.process()
      h.gold.refreshAll()
      h.ingest([{ device_id: 'till-1', store_id: 'store_001', event_id: 'v', timestamp: '2025-05-01T14:05:00Z', void_of: 'only' }])
      h.process()
      h.gold.refreshAll()
      const days = (): unknown[] =>
        h.db
          .prepare('SELECT sale_date, total_amount, sales_count, returns_count, returns_amount, voids_count FROM gold.kpi_daily_orders ORDER BY sale_date')
          .all()
      const expected = [
        { sale_date: '2025-05-01', total_amount: 0, sales_count: 0, returns_count: 0, returns_amount: 0, voids_count: 1 },
        { sale_date: '2025-05-02', total_amount: -800, sales_count: 0, returns_count: 1, returns_amount: 800, voids_count: 0 },
      ]
      expect(days()).toEqual(expected)
      const live = dumpGold(h.db)
      new GoldRefresher(h.db).rebuild()
      expect(days()).toEqual(expected)
      expect(dumpGold(h.db)).toBe(live)
    } finally {
      h.close()
    }
  })
})
