import { afterEach, describe, expect, it } from 'vitest'
import { Expectations } from '../../src/silver/expectations.js'
import { rebuildSilver } from '../../src/silver/rebuild-silver.js'
import { SalesEnricher } from '../../src/silver/sales-enricher.js'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

describe('silver rebuild', () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  it('recomputes silver under new rules, for a date range only when asked', async () => {
    h = new SilverHarness()
    h.ingest(
      [
        seedSale({ event_id: 'd1', price: 500, timestamp: '2025-05-01T10:00:00Z' }),
        seedSale({ event_id: 'd2', price: 500, timestamp: '2025-05-02T10:00:00Z' }),
        seedSale({ event_id: 'd3', price: 5, timestamp: '2025-05-03T10:00:00Z' }),
      ],
      Date.parse('2025-05-03T12:00:00Z'),
    )
    h.process()
    expect(h.silver().every((row) => row.warnings === null)).toBe(true)

    // A new rule: prices above 100 are suspicious; drop them, but only on 2 May.
    const strict = new SalesEnricher(h.db, {
      defaultTimezone: 'UTC',
      minorUnitDigits: 2,
      batchRows: 100,
      expectations: new Expectations([{ rule: 'price_range', min: 0, max: 100, action: 'drop' }], 2),
    })
    const progress: number[] = []
    const result = await rebuildSilver(h.db, strict, { fromDate: '2025-05-02', toDate: '2025-05-02', onProgress: (done) => progress.push(done) })
    expect(result).toMatchObject({ rebuilt: 1 })
    expect(progress.length).toBeGreaterThan(0)
    expect(h.silver().map((row) => row.event_id)).toEqual(['d1', 'd3'])
    expect(h.db.prepare('SELECT rule FROM silver.sales_quarantine').pluck().all()).toEqual(['price_range'])

    // Back to no rules, everything: the quarantined sale returns.
    await rebuildSilver(h.db, h.enricher, {})
    expect(h.silver().map((row) => row.event_id)).toEqual(['d1', 'd2', 'd3'])
    expect(h.db.prepare('SELECT count(*) FROM silver.sales_quarantine').pluck().get()).toBe(0)
  })
})
