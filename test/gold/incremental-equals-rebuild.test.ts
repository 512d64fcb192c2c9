import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { Expectations } from '../../src/silver/expectations.js'
import { rebuildSilver } from '../../src/silver/rebuild-silver.js'
import { SalesEnricher } from '../../src/silver/sales-enricher.js'
import { seededRandom } from '../../src/simulate/random.js'
import { dumpGold, SilverHarness } from '../helpers/silver-harness.js'

describe('incremental gold == full rebuild, to the byte', () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  it.each([1, 2, 3, 4, 5, 6])('after a random sequence of inserts, late dimensions and replays (seed %i)', async (seed) => {
    h = new SilverHarness()
    const random = seededRandom(seed)
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!
    const sent: Record<string, unknown>[] = []
    let dimensionChanges = 0
    let storeChanges = 0
    // Only the refusal a random date may earn is expected; anything else fails the test.
    const refusedAsOlder = (error: Error): void => {
      if (!/is not after the current version/.test(error.message)) throw error
    }
    const day = (offset: number): string => new Date(Date.parse('2025-05-01T00:00:00Z') + offset).toISOString()
    for (let step = 0; step < 40; step++) {
      const action = random()
      if (action < 0.55) {
        // New sales, some of them days late (a device's backlog).
        const sales = Array.from({ length: 1 + Math.floor(random() * 200) }, () => ({
          event_id: randomUUID(),
          device_id: pick(['d1', 'd2', 'd3']),
          store_id: pick(['store_001', 'store_002']),
          timestamp: day(Math.floor(random() * 5 * 86_400_000)),
          product_id: 1 + Math.floor(random() * 30),
          price: (1 + Math.floor(random() * 999)) / 100,
          quantity: 1 + Math.floor(random() * 4),
          customer_id: random() < 0.3 ? null : 1 + Math.floor(random() * 50),
          order_id: `o${Math.floor(random() * 40)}`,
        }))
        sent.push(...sales)
        h.ingest(sales)
        h.process()
      } else if (action < 0.7 && sent.length > 0) {
        // A replay of earlier sales: duplicates.
        h.ingest(Array.from({ length: 20 }, () => pick(sent)))
        h.process()
      } else if (action < 0.85) {
        // A dimension arrives or changes (with a date in the past, so old sales move).
        const id = 1 + Math.floor(random() * 30)
        // A random valid_from can fall before the member's current version: refused, as it should be.
        await h
          .importDims(
            'product',
            `product_id,product_name,category,valid_from\n${id},P${id},${pick(['A', 'B', 'C'])},${random() < 0.5 ? '' : day(Math.floor(random() * 4 * 86_400_000)).slice(0, 10)}\n`,
          )
          .then((summary) => void (dimensionChanges += summary.inserted + summary.changed), refusedAsOlder)
        if (random() < 0.5) {
          await h
            .importDims(
              'store',
              `store_id,store_name,region,timezone\n${pick(['store_001', 'store_002'])},S,R,${pick(['UTC', 'America/New_York', 'Asia/Tokyo'])}\n`,
              Date.parse(day(Math.floor(random() * 5 * 86_400_000))),
            )
            .then((summary) => void (storeChanges += summary.inserted + summary.changed), refusedAsOlder)
        }
      } else if (action < 0.92) {
        // A silver replay under a rule that drops dear sales.
        const strict = new SalesEnricher(h.db, {
          defaultTimezone: 'UTC',
          minorUnitDigits: 2,
          batchRows: 100,
          expectations: new Expectations([{ rule: 'price_range', min: 0, max: 8, action: 'drop' }], 2),
        })
        await rebuildSilver(h.db, random() < 0.5 ? strict : h.enricher, {})
      }
      if (random() < 0.5) h.gold.refresh(1 + Math.floor(random() * 20), 1 + Math.floor(random() * 300)) // partial steps, too
      if (random() < 0.1) h.gold.pruneConsumed()
    }
    h.gold.refreshAll()
    const incremental = dumpGold(h.db)
    h.gold.rebuild()
    expect(dumpGold(h.db)).toBe(incremental)
    expect(incremental.length).toBeGreaterThan(1000)
    expect(dimensionChanges).toBeGreaterThanOrEqual(3) // dimensions really changed along the way
    expect(storeChanges).toBeGreaterThanOrEqual(1) // and stores moved time zone (their sales, day)
  })
})
