import { describe, expect, it } from 'vitest'
import { Expectations } from '../../src/silver/expectations.js'
import { rebuildSilver } from '../../src/silver/rebuild-silver.js'
import { SalesEnricher } from '../../src/silver/sales-enricher.js'
import { openMigrated } from '../../src/schemas.js'
import { StockOnHand } from '../../src/silver/stock-on-hand.js'
import { seedSale } from '../helpers/sales.js'
import { closedAfterEach, SilverHarness } from '../helpers/silver-harness.js'
import { goldPositions, silverPositions } from '../helpers/stock-positions.js'

/**
 * silver.inventory_on_hand, kept as silver writes its rows (issue 23), against gold: each product's
 * stock now equals the closing of its newest gold.fact_inventory row (gold is checked against an
 * independent walk of the events in test/gold/fact-inventory.test.ts), after every batch of events
 * arriving in any order, and equals silver's own computation from scratch.
 */
const NOW = Date.parse('2026-03-10T20:00:00Z')
const FROM = Date.parse('2026-03-06T06:00:00Z')
const STORES = { store_001: 'America/New_York', store_002: 'Europe/Paris' } as const
type Store = keyof typeof STORES

/** A small deterministic generator (mulberry32): the same seed, the same events. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Sent {
  kind: 'inventory' | 'sales'
  event: Record<string, unknown>
}

/**
 * Counts, receipts, write-offs, sales (some before a store's stock began, some of products never
 * counted), returns and voids (some before their line) of two stores, at random instants of five
 * days across New York's change to summer time, in a random order of arrival, some sent twice.
 */
function events(seed: number): Sent[] {
  const next = random(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1))
  const instant = (): string => new Date(FROM + Math.floor((next() * (NOW - 3_600_000 - FROM)) / 1000) * 1000).toISOString()
  const sent: Sent[] = []
  const sales: { store: Store; id: string; timestamp: string }[] = []
  for (let i = 0; i < 160; i++) {
    const store = pick(Object.keys(STORES) as Store[])
    const product = int(1, 6)
    const timestamp = instant()
    const roll = next()
    if (roll < 0.35) {
      const type = pick(['count', 'count', 'receipt', 'adjustment'] as const)
      const quantity = type === 'count' ? int(0, 12) : type === 'receipt' ? int(1, 8) : pick([-2, -1, 1])
      const event = { event_id: `m${i}`, device_id: `scanner-${store}`, store_id: store, timestamp, product_id: product, type, quantity }
      sent.push({ kind: 'inventory', event: type === 'adjustment' ? { ...event, reason: 'damaged' } : event })
    } else if (roll < 0.9) {
      const quantity = next() < 0.1 ? -1 : int(1, 3)
      const extra = quantity < 0 ? { refund_of: 'earlier', reason: 'damaged' } : {}
      const id = `s${i}`
      // Product 7 is sold and never counted nor received.
      const sale = seedSale({
        event_id: id,
        device_id: `till-${store}`,
        store_id: store,
        timestamp,
        product_id: next() < 0.1 ? 7 : product,
        quantity,
        price: 2,
        customer_id: null,
        ...extra,
      })
      sent.push({ kind: 'sales', event: sale })
      sales.push({ store, id, timestamp })
    } else if (sales.length > 0) {
      const line = pick(sales)
      const at = new Date(Date.parse(line.timestamp) + 60_000).toISOString()
      sent.push({ kind: 'sales', event: { event_id: `v${i}`, device_id: `till-${line.store}`, store_id: line.store, timestamp: at, void_of: line.id } })
    }
  }
  // The order of arrival: shuffled, a fifth sent again.
  for (let i = sent.length - 1; i > 0; i--) {
    const j = int(0, i)
    ;[sent[i], sent[j]] = [sent[j]!, sent[i]!]
  }
  return [...sent, ...sent.filter(() => next() < 0.2)]
}

const opened = closedAfterEach()

/** A harness whose rule drops the sales of a store central has not sent yet (store_002 until it arrives). */
async function harness(): Promise<SilverHarness> {
  const h = opened(new SilverHarness({ defaultTimezone: 'UTC', now: () => NOW, expectations: [{ rule: 'known_store', action: 'drop' }] }))
  await h.importDims('store', `store_id,store_name,region,timezone\nstore_001,Downtown,North,${STORES.store_001}\n`, Date.parse('2026-01-01T00:00:00Z'))
  return h
}

function deliver(h: SilverHarness, batch: Sent[]): void {
  const inventory = batch.filter((sent) => sent.kind === 'inventory').map((sent) => sent.event)
  const sales = batch.filter((sent) => sent.kind === 'sales').map((sent) => sent.event)
  if (inventory.length > 0) h.ingestInventory(inventory)
  if (sales.length > 0) h.ingest(sales)
  h.process()
  h.gold.refreshAll()
}

describe('silver.inventory_on_hand equals the closing of gold.fact_inventory, event by event (issue 23)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`events in any order, late counts, voids, a store's dropped sales coming back, a time zone change (seed ${seed})`, async () => {
      const h = await harness()
      const all = events(seed)
      const next = random(seed * 7)
      let checked = 0
      for (let start = 0; start < all.length;) {
        const size = 1 + Math.floor(next() * 24)
        deliver(h, all.slice(start, start + size))
        start += size
        expect(silverPositions(h.db), `seed ${seed}, after ${start} events`).toEqual(goldPositions(h.db))
        checked++
        if (checked === 4) {
          // store_002 arrives: its sales a rule dropped come into silver, its movements move to Paris's days.
          await h.importDims('store', `store_id,store_name,region,timezone\nstore_002,Harbour,West,${STORES.store_002}\n`, Date.parse('2026-01-01T00:00:00Z'))
          h.gold.refreshAll()
          expect(silverPositions(h.db), `seed ${seed}, store_002 arrived`).toEqual(goldPositions(h.db))
        }
      }
      // store_001 moves to Chicago from the 8th: its sales and movements since change day.
      await h.importDims('store', 'store_id,store_name,region,timezone\nstore_001,Downtown,North,America/Chicago\n', Date.parse('2026-03-08T12:00:00Z'))
      h.gold.refreshAll()
      const live = silverPositions(h.db)
      expect(live, `seed ${seed}, after the time zone change`).toEqual(goldPositions(h.db))
      // Every store has stock figures, counted and not; some were out of stock.
      expect(Object.values(live).some((position) => position.counted === 1)).toBe(true)
      expect(Object.values(live).some((position) => position.counted === 0)).toBe(true)
      expect(Object.keys(live).filter((key) => key.startsWith('store_002')).length).toBeGreaterThan(0)
      // From scratch, silver's own way, the same.
      h.db.transaction(() => new StockOnHand(h.db).rebuild())()
      expect(silverPositions(h.db)).toEqual(live)
    })
  }

  it('a count is the level after everything of its instant; of two counts of one instant, the one received later', async () => {
    const h = await harness()
    const at = '2026-03-09T15:00:00Z'
    const move = (id: string, type: string, quantity: number, timestamp = at): Sent => ({
      kind: 'inventory',
      event: { event_id: id, device_id: 'scanner-1', store_id: 'store_001', timestamp, product_id: 1, type, quantity },
    })
    const sale = (id: string, quantity: number): Sent => ({
      kind: 'sales',
      event: seedSale({ event_id: id, device_id: 'till-1', store_id: 'store_001', timestamp: at, product_id: 1, quantity, price: 2, customer_id: null }),
    })
    deliver(h, [move('c1', 'count', 5, '2026-03-09T14:00:00Z'), sale('s0', 1)])
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(4)
    // The count of 15:00 arrives after the sale of 15:00 (a look back that finds it before the count), then a receipt of that instant.
    deliver(h, [move('c2', 'count', 7)])
    deliver(h, [move('r1', 'receipt', 3), sale('s1', 2)])
    expect(silverPositions(h.db)['store_001 1']).toEqual({ units: 7, known: 1, counted: 1, lastCountAt: '2026-03-09T15:00:00.000Z' })
    deliver(h, [move('c3', 'count', 6)])
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(6)
    expect(silverPositions(h.db)).toEqual(goldPositions(h.db))
  })

  it("a store's time zone arriving moves the day its stock began earlier, never later (as gold keeps its rows)", async () => {
    const h = opened(new SilverHarness({ defaultTimezone: 'Europe/Paris', now: () => NOW }))
    const firstDay = (): unknown => h.db.prepare("SELECT first_day FROM silver.inventory_stores WHERE store_id = 'store_003'").pluck().get()
    // The receipt: 04:00 on the 8th in Paris, 22:00 on the 7th in New York; the sale is on the 7th in both.
    deliver(h, [
      {
        kind: 'inventory',
        event: {
          event_id: 'r1',
          device_id: 'scanner-1',
          store_id: 'store_003',
          timestamp: '2026-03-08T03:00:00Z',
          product_id: 1,
          type: 'receipt',
          quantity: 10,
        },
      },
      {
        kind: 'sales',
        event: seedSale({
          event_id: 's1',
          device_id: 'till-1',
          store_id: 'store_003',
          timestamp: '2026-03-07T20:00:00Z',
          product_id: 1,
          quantity: 4,
          price: 2,
          customer_id: null,
        }),
      },
    ])
    expect([firstDay(), silverPositions(h.db)['store_003 1']?.units]).toEqual(['2026-03-08', 10])
    await h.importDims('store', 'store_id,store_name,region,timezone\nstore_003,Quay,West,America/New_York\n', Date.parse('2026-01-01T00:00:00Z'))
    h.gold.refreshAll()
    expect([firstDay(), silverPositions(h.db)['store_003 1']?.units]).toEqual(['2026-03-07', 6])
    expect(silverPositions(h.db)).toEqual(goldPositions(h.db))
    await h.importDims('store', 'store_id,store_name,region,timezone\nstore_003,Quay,West,Europe/Paris\n', Date.parse('2026-02-01T00:00:00Z'))
    h.gold.refreshAll()
    expect([firstDay(), silverPositions(h.db)['store_003 1']?.units]).toEqual(['2026-03-07', 6])
    expect(silverPositions(h.db)).toEqual(goldPositions(h.db))
  })

  it('a `silver rebuild` on another connection (the CLI next to the daemon) changes rows the pipeline keeps in memory: it reads them again', async () => {
    const h = await harness()
    const sale = (id: string, timestamp: string, price: number): Record<string, unknown> =>
      seedSale({ event_id: id, device_id: 'till-1', store_id: 'store_001', timestamp, product_id: 1, quantity: 2, price, customer_id: null })
    h.ingestInventory([
      { event_id: 'c1', device_id: 'scanner-1', store_id: 'store_001', timestamp: '2026-03-09T12:00:00Z', product_id: 1, type: 'count', quantity: 20 },
    ])
    h.ingest([sale('s1', '2026-03-09T13:00:00Z', 2), sale('s2', '2026-03-09T14:00:00Z', 500)])
    h.process()
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(16)
    // The CLI's process: a rule that drops the sale at 500, silver rebuilt with it.
    const cli = openMigrated(h.dir.path)
    try {
      const rules = new Expectations([{ rule: 'price_range', min: 0, max: 100, action: 'drop' }], 2)
      await rebuildSilver(cli, new SalesEnricher(cli, { defaultTimezone: 'UTC', minorUnitDigits: 2, expectations: rules, batchRows: 1000 }), {})
    } finally {
      cli.close()
    }
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(18)
    h.ingest([sale('s3', '2026-03-09T15:00:00Z', 2)])
    h.process()
    h.gold.refreshAll()
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(16)
    expect(silverPositions(h.db)).toEqual(goldPositions(h.db))
  })

  it('fills the table once for a data directory from before it (movements there, no positions)', async () => {
    const h = await harness()
    deliver(h, events(9))
    const live = silverPositions(h.db)
    expect(Object.keys(live).length).toBeGreaterThan(3)
    h.db.exec('DELETE FROM silver.inventory_on_hand; DELETE FROM silver.inventory_stores; UPDATE silver.inventory_on_hand_state SET filled = 0')
    const enricher = new SalesEnricher(h.db, {
      defaultTimezone: 'UTC',
      minorUnitDigits: 2,
      expectations: new Expectations([], 2),
      batchRows: 1000,
      now: () => NOW,
    })
    enricher.processNext()
    expect(silverPositions(h.db)).toEqual(live)
    expect(h.db.prepare('SELECT filled FROM silver.inventory_on_hand_state').pluck().get()).toBe(1)
  })
})
