import { afterEach, describe, expect, it } from 'vitest'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

describe('a sale dropped for an unknown store', () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  it('sales dropped for an unknown store come back when the store arrives', async () => {
    h = new SilverHarness({ expectations: [{ rule: 'known_store', action: 'drop' }] })
    h.ingest([seedSale({ event_id: 'early', timestamp: '2025-05-01T10:00:00Z' })])
    h.process()
    expect(h.silver()).toEqual([])
    const summary = await h.importDims('store', 'store_id,store_name,region,timezone\nstore_001,Downtown,North,UTC\n')
    expect(summary.reenriched).toBe(1)
    expect(h.silver().map((row) => row.event_id)).toEqual(['early'])
    expect(h.db.prepare('SELECT count(*) FROM silver.sales_quarantine').pluck().get()).toBe(0)
  })
})
