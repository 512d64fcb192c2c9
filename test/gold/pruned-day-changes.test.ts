import { afterEach, describe, expect, it } from 'vitest'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

describe("gold after silver's consumed day changes are pruned", () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  const dayTotal = (s: SilverHarness, date: string): number | undefined =>
    s.db.prepare('SELECT total_amount FROM gold.kpi_daily_orders WHERE sale_date = ?').pluck().get(date) as number | undefined

  it('gold keeps following silver after the consumed day changes are pruned', async () => {
    h = new SilverHarness()
    h.ingest([seedSale({ price: 1, timestamp: '2025-05-01T10:00:00Z' })])
    h.process()
    // New sales reach gold by bronze id; a re-enrichment (the store arrives) marks the day changed.
    await h.importDims('store', 'store_id,store_name,region,timezone\nstore_001,Downtown,North,UTC\n')
    h.gold.refreshAll()
    expect(h.gold.pruneConsumed()).toBeGreaterThan(0)
    h.ingest([seedSale({ price: 7, timestamp: '2025-05-01T11:00:00Z' })])
    h.process()
    h.gold.refreshAll()
    expect(dayTotal(h, '2025-05-01')).toBe(800)
  })
})
