import { afterEach, describe, expect, it } from 'vitest'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

describe('expectation counts', () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  it('a sale is counted against a rule once, not again at each re-enrichment', async () => {
    h = new SilverHarness({ expectations: [{ rule: 'price_range', min: 0, max: 10, action: 'warn' }] })
    h.ingest([seedSale({ price: 50, timestamp: '2025-05-01T10:00:00Z' })])
    h.process()
    await h.importDims('store', 'store_id,store_name,region,timezone\nstore_001,A,North,UTC\n', Date.parse('2025-04-01T00:00:00Z'))
    await h.importDims('store', 'store_id,store_name,region,timezone\nstore_001,B,North,UTC\n', Date.parse('2025-04-02T00:00:00Z'))
    expect(h.silver()[0]!.store_name).toBe('B')
    expect(h.db.prepare('SELECT violations FROM silver.expectation_counts').pluck().get()).toBe(1)
  })
})
