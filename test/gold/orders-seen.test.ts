import { afterEach, describe, expect, it } from 'vitest'
import { GoldRefresher } from '../../src/gold/gold-refresher.js'
import { OrdersSeen, type GoldPosition } from '../../src/gold/orders-seen.js'
import { closedAfterEach, dumpGold, PRODUCTS_CSV, SilverHarness } from '../helpers/silver-harness.js'

/**
 * The gold thread remembers which groups an order's lines are in between refreshes
 * (gold/orders-seen.ts), so an order's later lines need no look-up in silver. What it remembers
 * must not outlive the additions it came from: these cases add one order's lines across steps in
 * ways a stale memory would count twice or not at all, and gold must still equal a rebuild.
 */
const opened = closedAfterEach()
let line = 0
afterEach(() => void (line = 0))

/** One sale line of order o-1 on till-1, a minute after the last, in store_001's day of 2025-05-01 (UTC). */
function orderLine(productId: number): Record<string, unknown> {
  line++
  return {
    event_id: `00000000-0000-4000-8000-${String(line).padStart(12, '0')}`,
    device_id: 'till-1',
    store_id: 'store_001',
    timestamp: new Date(Date.parse('2025-05-01T10:00:00Z') + line * 60_000).toISOString(),
    product_id: productId,
    price: 2.5,
    quantity: 1,
    customer_id: null,
    order_id: 'o-1',
  }
}

async function harness(): Promise<SilverHarness> {
  const h = opened(new SilverHarness())
  await h.importDims('product', PRODUCTS_CSV)
  return h
}

function addLine(h: SilverHarness, productId: number): void {
  h.ingest([orderLine(productId)])
  h.process()
}

/** gold's order counts of product 102 and of category Bakery, after checking gold equals a rebuild. */
function expectRebuildEqual(h: SilverHarness): { product: unknown; category: unknown } {
  const incremental = dumpGold(h.db)
  h.gold.rebuild()
  expect(dumpGold(h.db)).toBe(incremental)
  return {
    product: h.db.prepare('SELECT order_count FROM gold.fact_daily_product_sales WHERE product_id = 102').pluck().get(),
    category: h.db.prepare("SELECT order_count FROM gold.fact_daily_sales WHERE category = 'Bakery'").pluck().get(),
  }
}

describe("gold's memory of orders between refreshes", () => {
  it("forgets an order when another refresher (a CLI's) added lines of it since this one's last step", async () => {
    const h = await harness()
    addLine(h, 101)
    h.gold.refreshAll() // remembers o-1: complete, in Beverages and product 101
    const other = new GoldRefresher(h.db)
    addLine(h, 102)
    other.refreshAll() // o-1's first Bakery line, counted by the other refresher
    addLine(h, 102)
    h.gold.refreshAll() // would count o-1 in Bakery again if it trusted what it remembered
    expect(expectRebuildEqual(h)).toEqual({ product: 1, category: 1 })
  })

  it('forgets what a rolled-back step added', async () => {
    const h = await harness()
    addLine(h, 101)
    h.gold.refreshAll()
    addLine(h, 102)
    // The step adds o-1's Bakery line, then fails writing it: rolled back.
    h.db.exec(`CREATE TEMP TRIGGER fail_bakery BEFORE INSERT ON gold.fact_daily_product_sales WHEN NEW.product_id = 102
      BEGIN SELECT RAISE(ABORT, 'write failed (test)'); END`)
    expect(() => h.gold.refresh()).toThrow(/write failed \(test\)/)
    h.db.exec('DROP TRIGGER temp.fail_bakery')
    // The same line again: it is o-1's first in Bakery, whatever the failed step saw.
    h.gold.refreshAll()
    expect(expectRebuildEqual(h)).toEqual({ product: 1, category: 1 })
  })

  it.each([
    ['this refresher', false],
    ['another refresher that adds no sales (a `gold rebuild` next to the daemon)', true],
  ])('forgets a day recomputed because its silver rows changed, when %s applies the change', async (_who, elsewhere) => {
    const h = await harness()
    addLine(h, 101)
    addLine(h, 102)
    h.gold.refreshAll() // o-1 in Beverages and Bakery
    // Product 102 moves to Beverages from before the sales: silver marks the day, gold recomputes it.
    await h.importDims('product', 'product_id,product_name,category,valid_from\n102,Croissant,Beverages,2025-01-01\n')
    h.process()
    ;(elsewhere ? new GoldRefresher(h.db) : h.gold).refreshAll()
    // Bakery again: o-1 has no Bakery line left, so this one is its first there.
    await h.importDims('product', 'product_id,product_name,category,valid_from\n103,Bun,Bakery,2025-01-01\n')
    addLine(h, 103)
    h.gold.refreshAll()
    expect(expectRebuildEqual(h).category).toBe(1)
  })

  const at = (salesThrough: number, changesThrough = 0): GoldPosition => ({ salesThrough, changesThrough })

  it('keeps at most its capacity of orders, then starts again', () => {
    const seen = new OrdersSeen(2)
    seen.continueFrom(at(0))
    seen.add('day', 'a', true).groups.add('p1')
    seen.add('day', 'b', false)
    expect(seen.get('day', 'a')?.groups.has('p1')).toBe(true)
    seen.add('day', 'c', true) // the third: the first two are forgotten
    expect([seen.get('day', 'a'), seen.get('day', 'b'), seen.get('day', 'c')?.complete]).toEqual([undefined, undefined, true])
  })

  it.each([
    ['sales were added elsewhere', at(7, 3)],
    ['day changes were applied elsewhere', at(5, 4)],
  ])('keeps what it knows from one step to the next, and forgets it when %s', (_what, elsewhere) => {
    const seen = new OrdersSeen()
    seen.continueFrom(at(0))
    seen.add('day', 'a', true)
    seen.endAt(at(5, 3))
    seen.continueFrom(at(5, 3))
    expect(seen.get('day', 'a')).toBeDefined()
    seen.endAt(at(5, 3))
    seen.continueFrom(elsewhere)
    expect(seen.get('day', 'a')).toBeUndefined()
  })

  it('forgets a step that threw before it ended', () => {
    const seen = new OrdersSeen()
    seen.continueFrom(at(0))
    seen.endAt(at(5))
    seen.continueFrom(at(5))
    seen.add('day', 'a', true).groups.add('p1')
    // No endAt: the step threw part way. The retry starts from the same place.
    seen.continueFrom(at(5))
    expect(seen.get('day', 'a')).toBeUndefined()
  })
})
