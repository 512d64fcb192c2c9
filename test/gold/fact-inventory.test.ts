import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GoldRefresher } from '../../src/gold/gold-refresher.js'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

/**
 * gold.fact_inventory against an independent walk of the events in time order (issue 23): counts,
 * receipts, adjustments, sales, returns and a voided line, over three days in New York across the
 * start of daylight saving time (8 March 2026: a 23-hour day), a count at 23:59:59 and a sale at
 * 00:00:00, a count that arrives late, a device's backlog sent twice, a product that is not in
 * dim_product until the end.
 */
const STORE = 'store_001'
const ZONE = 'America/New_York'
/** Each day's first instant in New York, written out (not computed by the code under test). */
const DAY_STARTS: Record<string, number> = {
  '2026-03-07': Date.parse('2026-03-07T05:00:00Z'),
  '2026-03-08': Date.parse('2026-03-08T05:00:00Z'),
  '2026-03-09': Date.parse('2026-03-09T04:00:00Z'), // EDT from 8 March, 02:00
  '2026-03-10': Date.parse('2026-03-10T04:00:00Z'),
  '2026-03-11': Date.parse('2026-03-11T04:00:00Z'),
}
const DAYS = Object.keys(DAY_STARTS).slice(0, 4)
/** The harness's clock: 10 March, 08:00 in New York ("today" for gold). */
const NOW = Date.parse('2026-03-10T12:00:00Z')
const NAMES: Record<number, [string, string]> = {
  101: ['Espresso', 'Beverages'],
  102: ['Croissant', 'Bakery'],
  103: ['Baguette', 'Bakery'],
  104: ['Tea', 'Beverages'],
}

interface Stock {
  tsMs: number
  kind: 'count' | 'receipt' | 'adjustment' | 'sale'
  product: number
  units: number
}

const at = (local: string, offsetHours: number): string => new Date(Date.parse(`${local}Z`) + offsetHours * 3_600_000).toISOString()
const est = (local: string): string => at(local, 5)
const edt = (local: string): string => at(local, 4)
const move = (eventId: string, timestamp: string, product: number, type: string, quantity: number, reason?: string): Record<string, unknown> => ({
  event_id: eventId,
  device_id: 'scanner-1',
  store_id: STORE,
  timestamp,
  product_id: product,
  type,
  quantity,
  ...(reason ? { reason } : {}),
})
const sale = (eventId: string, timestamp: string, product: number, quantity: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  seedSale({ event_id: eventId, timestamp, product_id: product, quantity, price: 2, customer_id: null, order_id: eventId, ...extra })

/** The events in the order they reach the gateway: [inventory events, sales] per batch. */
const BATCHES: [Record<string, unknown>[], Record<string, unknown>[]][] = [
  [
    [
      move('c1', est('2026-03-07T09:00:00'), 101, 'count', 10),
      move('r1', est('2026-03-07T09:30:00'), 102, 'receipt', 2),
      move('c4', est('2026-03-07T12:00:00'), 104, 'count', 0),
      move('u1', est('2026-03-07T13:00:00'), 999, 'receipt', 6),
    ],
    [
      sale('s1', est('2026-03-07T10:00:00'), 101, 3),
      sale('s2', est('2026-03-07T11:00:00'), 102, 3), // 102 goes to -1: out of stock from 11:00
      sale('s3', est('2026-03-07T15:00:00'), 103, 2), // 103 is never counted nor received
      sale('s4', est('2026-03-07T16:00:00'), 999, 1),
    ],
  ],
  [
    [
      move('a1', est('2026-03-08T01:30:00'), 102, 'adjustment', -1, 'damaged'),
      move('r2', edt('2026-03-08T10:00:00'), 101, 'receipt', 5),
      move('r4', edt('2026-03-08T11:00:00'), 104, 'receipt', 4),
    ],
    [
      sale('s5', edt('2026-03-08T09:00:00'), 101, 2),
      sale('s6', edt('2026-03-08T12:00:00'), 101, -1, { refund_of: 's1', reason: 'damaged' }), // a return puts a unit back
      sale('s7', edt('2026-03-08T13:00:00'), 104, 4), // 104 out again from 13:00
      sale('s8', edt('2026-03-08T14:00:00'), 101, 1),
      { event_id: 'v8', device_id: 'abc123', store_id: STORE, timestamp: edt('2026-03-08T14:05:00'), void_of: 's8' }, // voided: takes nothing
    ],
  ],
  [
    [
      // A count that comes a day late: 102 had 4 on the shelf at noon on the 8th.
      move('c2', edt('2026-03-08T12:00:00'), 102, 'count', 4),
      move('c5', edt('2026-03-09T23:59:59'), 101, 'count', 3),
    ],
    [sale('s9', edt('2026-03-09T10:00:00'), 102, 1), sale('s10', edt('2026-03-10T00:00:00'), 101, 1), sale('s11', edt('2026-03-09T18:00:00'), 103, 1)],
  ],
]

/** fact_inventory as the rules say, from the events of `batches` alone: walk each product's events in time order. */
function expectedRows(batches = BATCHES, lateProductKnown = true): Record<string, unknown>[] {
  const events: Stock[] = []
  const voided = new Set(batches.flatMap(([, sales]) => sales.filter((s) => 'void_of' in s).map((s) => s.void_of as string)))
  for (const [moves, sales] of batches) {
    for (const m of moves)
      events.push({ tsMs: Date.parse(m.timestamp as string), kind: m.type as Stock['kind'], product: m.product_id as number, units: m.quantity as number })
    for (const s of sales) {
      if ('void_of' in s || voided.has(s.event_id as string)) continue
      events.push({ tsMs: Date.parse(s.timestamp as string), kind: 'sale', product: s.product_id as number, units: s.quantity as number })
    }
  }
  const dayOf = (ms: number): string => DAYS.findLast((d) => DAY_STARTS[d]! <= ms)!
  const rows: Record<string, unknown>[] = []
  for (const product of [...new Set(events.map((e) => e.product))].sort((a, b) => a - b)) {
    const mine = events.filter((e) => e.product === product).sort((a, b) => a.tsMs - b.tsMs || Number(a.kind === 'count') - Number(b.kind === 'count'))
    let onHand = 0
    let known = false
    let everCounted = false
    let lastCount: number | null = null
    const soldByDay: Record<string, number> = {}
    for (const day of DAYS) {
      const today = day === '2026-03-10'
      const dayEvents = mine.filter((e) => dayOf(e.tsMs) === day)
      if (dayEvents.length === 0 && !known) continue
      const startMs = DAY_STARTS[day]!
      const endMs = today ? Math.max(startMs, dayEvents.at(-1)?.tsMs ?? startMs) : DAY_STARTS[DAYS[DAYS.indexOf(day) + 1] ?? '2026-03-11']!
      const row = { opening: onHand, received: 0, sold: 0, adjusted: 0, shrink: 0, counted: 0, stockoutMs: 0 }
      let t = startMs
      for (const e of [...dayEvents, null]) {
        const until = e === null ? endMs : Math.min(e.tsMs, endMs)
        if (known && onHand <= 0 && until > t) row.stockoutMs += until - t
        t = Math.max(t, until)
        if (e === null) break
        if (e.kind === 'count') {
          if (known) row.shrink += e.units - onHand
          onHand = e.units
          known = everCounted = true
          lastCount = e.tsMs
          row.counted = 1
        } else if (e.kind === 'receipt') {
          row.received += e.units
          onHand += e.units
          known = true
        } else if (e.kind === 'adjustment') {
          row.adjusted += e.units
          onHand += e.units
        } else {
          row.sold += e.units
          onHand -= e.units
        }
      }
      soldByDay[day] = row.sold
      const week = DAYS.slice(Math.max(0, DAYS.indexOf(day) - 6), DAYS.indexOf(day) + 1).reduce((sum, d) => sum + (soldByDay[d] ?? 0), 0) / 7
      rows.push({
        stock_date: day,
        store_id: STORE,
        product_id: product,
        product_name: NAMES[product]?.[0] ?? (lateProductKnown ? 'Late Product' : 'Unknown'),
        category: NAMES[product]?.[1] ?? (lateProductKnown ? 'Frozen' : 'Unknown'),
        opening_units: row.opening,
        received_units: row.received,
        sold_units: row.sold,
        adjusted_units: row.adjusted,
        shrink_units: row.shrink,
        closing_units: onHand,
        counted: row.counted,
        uncounted: everCounted ? 0 : 1,
        known: known ? 1 : 0,
        last_count_at: lastCount === null ? null : new Date(lastCount).toISOString(),
        avg_daily_sold_7d: week,
        days_of_cover: known && week > 0 ? Math.max(onHand, 0) / week : null,
        stockout_minutes: Math.floor(row.stockoutMs / 60_000),
      })
    }
  }
  return rows
}

describe('gold.fact_inventory equals an independent walk of the events (issue 23)', () => {
  const h = new SilverHarness({ defaultTimezone: ZONE, now: () => NOW })
  const rows = (): Record<string, unknown>[] =>
    h.db.prepare('SELECT * FROM gold.fact_inventory ORDER BY product_id, stock_date').all() as Record<string, unknown>[]
  /** After each batch: the rows gold has, and the rows the events so far make. */
  const afterBatches: { gold: Record<string, unknown>[]; expected: Record<string, unknown>[] }[] = []
  afterAll(() => h.close())

  beforeAll(async () => {
    const asOf = Date.parse('2026-01-01T00:00:00Z')
    await h.importDims('store', `store_id,store_name,region,timezone\n${STORE},Downtown,North,${ZONE}\n`, asOf)
    await h.importDims(
      'product',
      `product_id,product_name,category\n${Object.entries(NAMES)
        .map(([id, [n, c]]) => `${id},${n},${c}`)
        .join('\n')}\n`,
      asOf,
    )
    for (const [index, [moves, sales]] of BATCHES.entries()) {
      h.ingestInventory(moves)
      h.ingest(sales)
      h.process()
      h.gold.refreshAll()
      afterBatches.push({ gold: rows(), expected: expectedRows(BATCHES.slice(0, index + 1), false) })
    }
    // The scanner's backlog, sent again: every event a duplicate.
    h.ingestInventory(BATCHES.flatMap(([moves]) => moves))
    h.process()
    h.gold.refreshAll()
    // The unknown product arrives: its rows are named from its first day.
    await h.importDims('product', 'product_id,product_name,category\n999,Late Product,Frozen\n', asOf)
    h.process()
    h.gold.refreshAll()
  })

  it('every column of every product and day, after each batch (late events recomputed from their day on) and at the end', () => {
    for (const [index, batch] of afterBatches.entries()) expect(batch.gold, `after batch ${index + 1}`).toEqual(batch.expected)
    expect(rows()).toEqual(expectedRows())
    // What the day shows: 102 was out from 11:00 on the 7th to the end of the day (13 hours).
    expect(rows().find((row) => row.product_id === 102 && row.stock_date === '2026-03-07')).toMatchObject({ closing_units: -1, stockout_minutes: 13 * 60 })
    // 103 was never counted nor received: a row only on the days it sold, its stock not known.
    expect(
      rows()
        .filter((row) => row.product_id === 103)
        .map((row) => [row.stock_date, row.known, row.uncounted]),
    ).toEqual([
      ['2026-03-07', 0, 1],
      ['2026-03-09', 0, 1],
    ])
    // 104 has a row every day once known, also on the 9th and the 10th with no movement.
    expect(
      rows()
        .filter((row) => row.product_id === 104)
        .map((row) => row.stock_date),
    ).toEqual(DAYS)
  })

  it('a full rebuild gives the same rows; so does a refresher on new connections', () => {
    const live = JSON.stringify(rows())
    new GoldRefresher(h.db, () => NOW).rebuild()
    expect(JSON.stringify(rows())).toBe(live)
    new GoldRefresher(h.db, () => NOW).refreshAll()
    expect(JSON.stringify(rows())).toBe(live)
  })
})

describe("a store's first inventory event arriving late, for an earlier day than its stock began (issue 23)", () => {
  it('walks every product from that day, as a rebuild does', async () => {
    const h = new SilverHarness({ defaultTimezone: ZONE, now: () => NOW })
    try {
      await h.importDims('store', `store_id,store_name,region,timezone\n${STORE},Downtown,North,${ZONE}\n`, Date.parse('2026-01-01T00:00:00Z'))
      h.ingest([sale('b1', est('2026-03-07T10:00:00'), 102, 2), sale('b2', edt('2026-03-09T10:00:00'), 102, 1)])
      h.ingestInventory([move('a2', edt('2026-03-09T08:00:00'), 101, 'count', 5)])
      h.process()
      h.gold.refreshAll()
      // A handheld's backlog: a count of 101 on the 7th, before the store's stock began.
      h.ingestInventory([move('a1', est('2026-03-07T08:00:00'), 101, 'count', 9)])
      h.process()
      h.gold.refreshAll()
      const rows = (): string => JSON.stringify(h.db.prepare('SELECT * FROM gold.fact_inventory ORDER BY stock_date, product_id').all())
      const live = rows()
      expect(h.db.prepare("SELECT sold_units FROM gold.fact_inventory WHERE product_id = 102 AND stock_date = '2026-03-07'").pluck().get()).toBe(2)
      new GoldRefresher(h.db, () => NOW).rebuild()
      expect(rows()).toBe(live)
    } finally {
      h.close()
    }
  })
})

describe("the stock step's kept sales of today and yesterday (gold/recent-day-sales.ts)", () => {
  it('follow new sales, a late sale of yesterday, a return and a void of a line already walked, as a rebuild does', async () => {
    const h = new SilverHarness({ defaultTimezone: ZONE, now: () => NOW })
    const rows = (): string => JSON.stringify(h.db.prepare('SELECT * FROM gold.fact_inventory ORDER BY stock_date, product_id').all())
    // One refresher all along (its kept sales are what is tested), step by step as the gold thread runs it.
    const step = (): string => {
      h.process()
      while (h.gold.refresh().pending) {
        // until caught up
      }
      return rows()
    }
    try {
      await h.importDims('store', `store_id,store_name,region,timezone\n${STORE},Downtown,North,${ZONE}\n`, Date.parse('2026-01-01T00:00:00Z'))
      h.ingestInventory([move('k1', edt('2026-03-09T08:00:00'), 101, 'count', 10), move('k2', edt('2026-03-09T08:00:00'), 102, 'count', 4)])
      step()
      const sequence: [string, () => void][] = [
        ['sales of today and yesterday', () => h.ingest([sale('t1', edt('2026-03-10T07:00:00'), 101, 2), sale('y1', edt('2026-03-09T15:00:00'), 101, 1)])],
        ['more of today, another product', () => h.ingest([sale('t2', edt('2026-03-10T07:30:00'), 102, 4), sale('t3', edt('2026-03-10T07:40:00'), 101, 1)])],
        ['a late sale of yesterday', () => h.ingest([sale('y2', edt('2026-03-09T09:00:00'), 102, 1)])],
        ['a return today', () => h.ingest([sale('t4', edt('2026-03-10T07:50:00'), 101, -1, { refund_of: 't1', reason: 'damaged' })])],
        [
          "a void of today's line already walked",
          () => h.ingest([{ event_id: 'v1', device_id: 'abc123', store_id: STORE, timestamp: edt('2026-03-10T07:55:00'), void_of: 't2' }]),
        ],
        [
          "a void whose day mark another process's gold rebuild took, then a sale",
          () => {
            h.ingest([{ event_id: 'v2', device_id: 'abc123', store_id: STORE, timestamp: edt('2026-03-10T07:58:00'), void_of: 't3' }])
            h.process()
            new GoldRefresher(h.db, () => NOW).refreshAll()
            h.ingest([sale('t5', edt('2026-03-10T07:59:00'), 101, 1)])
          },
        ],
      ]
      for (const [what, change] of sequence) {
        change()
        const live = step()
        new GoldRefresher(h.db, () => NOW).rebuild()
        expect(rows(), `after ${what}`).toBe(live)
      }
      const today = h.db
        .prepare("SELECT product_id, sold_units, closing_units FROM gold.fact_inventory WHERE stock_date = '2026-03-10' ORDER BY product_id")
        .all()
      // 101: 10 - 1 (y1) = 9 at the end of the 9th; today 2 (t1) + 1 (t5) sold, 1 back, t3 voided: 7. 102: 4 - 1 (y2) = 3; t2 voided: 3.
      expect(today).toEqual([
        { product_id: 101, sold_units: 2, closing_units: 7 },
        { product_id: 102, sold_units: 0, closing_units: 3 },
      ])
    } finally {
      h.close()
    }
  })
})
