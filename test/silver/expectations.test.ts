import { afterEach, describe, expect, it } from 'vitest'
import type { ExpectationConfig } from '../../src/config/schema.js'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

const RECEIVED = Date.parse('2025-05-01T12:00:00Z')

describe('expectations: warn, drop, fail', () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  const harness = (expectations: ExpectationConfig[]): SilverHarness => (h = new SilverHarness({ expectations }))
  const counts = (db: SilverHarness['db']): unknown[] => db.prepare('SELECT rule, action, violations FROM silver.expectation_counts ORDER BY rule').all()

  it('warn keeps the sale, names the rule on it, and counts', () => {
    const s = harness([{ rule: 'price_range', min: 0, max: 100, action: 'warn' }])
    s.ingest(
      [
        seedSale({ event_id: 'cheap', price: 5, timestamp: '2025-05-01T11:00:00Z' }),
        seedSale({ event_id: 'dear', price: 150, timestamp: '2025-05-01T11:00:00Z' }),
      ],
      RECEIVED,
    )
    s.process()
    expect(s.silver().map((row) => [row.event_id, row.warnings])).toEqual([
      ['cheap', null],
      ['dear', 'price_range'],
    ])
    expect(counts(s.db)).toEqual([{ rule: 'price_range', action: 'warn', violations: 1 }])
  })

  it('drop moves the sale to quarantine with the rule name: not in silver, not lost', () => {
    const s = harness([{ rule: 'timestamp_max_ahead', name: 'clock_ahead', minutes: 10, action: 'drop' }])
    s.ingest([seedSale({ event_id: 'future', timestamp: '2025-05-01T13:00:00Z' }), seedSale({ event_id: 'ok', timestamp: '2025-05-01T12:05:00Z' })], RECEIVED)
    s.process()
    expect(s.silver().map((row) => row.event_id)).toEqual(['ok'])
    expect(s.db.prepare('SELECT bronze_id, rule, detail FROM silver.sales_quarantine').all()).toEqual([
      { bronze_id: 1, rule: 'clock_ahead', detail: 'sale time is 60 min ahead of its receive time (limit 10)' },
    ])
    expect(counts(s.db)).toEqual([{ rule: 'clock_ahead', action: 'drop', violations: 1 }])
    expect(s.enricher.watermark()).toBe(2) // consumed, so not retried forever
  })

  it('fail stops the pipeline at the sale, keeps what came before, and reports the failure', () => {
    const s = harness([
      { rule: 'timestamp_max_behind', days: 30, action: 'warn' },
      { rule: 'known_store', action: 'fail' },
    ])
    s.ingest(
      [
        seedSale({ event_id: 'a', timestamp: '2025-05-01T11:00:00Z' }),
        seedSale({ event_id: 'b', store_id: 'store_404', timestamp: '2025-05-01T11:00:00Z' }),
        seedSale({ event_id: 'c', timestamp: '2025-05-01T11:00:00Z' }),
      ],
      RECEIVED,
    )
    s.db.exec(`INSERT INTO silver.dim_store (store_id, store_name, region, timezone, valid_from, valid_from_ms, valid_to_ms, is_current, loaded_at)
      VALUES ('store_001', 'Downtown', 'North', 'UTC', '0001-01-01T00:00:00.000Z', -62135596800000, 253402300799999, 1, 'x')`)
    const outcome = s.enricher.processNext()
    expect(outcome).toMatchObject({ rows: 1, watermark: 1, failure: { rule: 'known_store', bronzeId: 2 } })
    expect(s.silver().map((row) => row.event_id)).toEqual(['a'])
    expect(s.enricher.failure()).toEqual({ rule: 'known_store', bronzeId: 2, detail: 'the store is not in dim_store' })
    // Trying again fails again at the same sale: nothing is skipped.
    expect(s.enricher.processNext()).toMatchObject({ rows: 0, watermark: 1, failure: { bronzeId: 2 } })
  })

  it('timestamp_max_behind flags an old backlog', () => {
    const s = harness([{ rule: 'timestamp_max_behind', days: 2, action: 'warn' }])
    s.ingest([seedSale({ event_id: 'old', timestamp: '2025-04-20T12:00:00Z' })], RECEIVED)
    s.process()
    expect(s.silver()[0]!.warnings).toBe('timestamp_max_behind')
  })
})
