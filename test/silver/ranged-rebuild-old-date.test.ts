import { afterEach, describe, expect, it } from 'vitest'
import { rebuildSilver } from '../../src/silver/rebuild-silver.js'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

describe('a ranged silver rebuild', () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  it('a ranged silver rebuild also takes sales whose old date was in the range', async () => {
    h = new SilverHarness()
    await h.importDims('store', 'store_id,store_name,region,timezone\nstore_001,A,North,UTC\n')
    h.ingest([seedSale({ timestamp: '2025-05-02T02:30:00Z' })])
    h.process()
    expect(h.silver()[0]!.sale_date).toBe('2025-05-02')
    // The zone is fixed behind silver's back (say, by hand in SQL); a rebuild of 2 May must move it.
    h.db.exec("UPDATE silver.dim_store SET timezone = 'America/New_York'")
    await rebuildSilver(h.db, h.enricher, { fromDate: '2025-05-02', toDate: '2025-05-02' })
    expect(h.silver()[0]!.sale_date).toBe('2025-05-01')
  })
})
