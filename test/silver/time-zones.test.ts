import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LocalTimeCache } from '../../src/silver/local-time.js'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness, STORES_CSV } from '../helpers/silver-harness.js'

describe('sale_date is the store-local date', () => {
  it.each([
    // New York, 1 May (EDT, UTC-4): around local midnight.
    ['2025-05-02T03:59:00Z', 'America/New_York', '2025-05-01', 23],
    ['2025-05-02T04:00:00Z', 'America/New_York', '2025-05-02', 0],
    // New York, DST starts on 9 March 2025 at 02:00 (EST -5 -> EDT -4).
    ['2025-03-09T04:59:00Z', 'America/New_York', '2025-03-08', 23],
    ['2025-03-09T05:00:00Z', 'America/New_York', '2025-03-09', 0],
    ['2025-03-09T06:59:00Z', 'America/New_York', '2025-03-09', 1],
    ['2025-03-09T07:00:00Z', 'America/New_York', '2025-03-09', 3],
    // Paris, DST ends on 26 October 2025 at 03:00 (CEST +2 -> CET +1): 02:xx happens twice.
    ['2025-10-25T21:59:00Z', 'Europe/Paris', '2025-10-25', 23],
    ['2025-10-25T22:00:00Z', 'Europe/Paris', '2025-10-26', 0],
    ['2025-10-26T00:30:00Z', 'Europe/Paris', '2025-10-26', 2],
    ['2025-10-26T01:30:00Z', 'Europe/Paris', '2025-10-26', 2],
    ['2025-10-26T22:59:00Z', 'Europe/Paris', '2025-10-26', 23],
    ['2025-10-26T23:00:00Z', 'Europe/Paris', '2025-10-27', 0],
    // Kathmandu is UTC+05:45.
    ['2025-05-01T18:14:00Z', 'Asia/Kathmandu', '2025-05-01', 23],
    ['2025-05-01T18:15:00Z', 'Asia/Kathmandu', '2025-05-02', 0],
  ])('%s in %s is %s, hour %i', (iso, zone, date, hour) => {
    expect(new LocalTimeCache().at(Date.parse(iso), zone)).toEqual({ date, hour })
  })

  describe('through the enricher', () => {
    let h: SilverHarness
    beforeEach(() => {
      h = new SilverHarness({ defaultTimezone: 'Asia/Tokyo' })
    })
    afterEach(() => h.close())

    it('uses dim_store.timezone, and the configured default for a store not in dim_store', async () => {
      await h.importDims('store', STORES_CSV)
      h.ingest([
        seedSale({ event_id: 'ny', store_id: 'store_001', timestamp: '2025-05-02T03:30:00Z' }),
        seedSale({ event_id: 'paris', store_id: 'store_002', device_id: 'p1', timestamp: '2025-05-01T22:30:00Z' }),
        seedSale({ event_id: 'tokyo', store_id: 'store_009', device_id: 't1', timestamp: '2025-05-01T15:30:00Z' }),
      ])
      h.process()
      expect(h.silver().map((row) => [row.event_id, row.sale_date, row.sale_hour, row.timezone])).toEqual([
        ['ny', '2025-05-01', 23, 'America/New_York'],
        ['paris', '2025-05-02', 0, 'Europe/Paris'],
        ['tokyo', '2025-05-02', 0, 'Asia/Tokyo'],
      ])
    })
  })
})
