import { describe, expect, it } from 'vitest'
import type { IncomingMessage } from '../../src/bronze/bronze-store.js'
import { eventIdentity, hash53 } from '../../src/bronze/dedupe-hash.js'
import { SALE_COLUMN_NAMES, SALE_COLUMNS, saleColumnsOf } from '../../src/bronze/sale-columns.js'
import { validateSale } from '../../src/bronze/validate-sale.js'
import { seedSale } from '../helpers/sales.js'
import { freshBronzeStore } from '../helpers/bronze-store.js'

const TOPIC = 'stores/store_001/devices/abc123/sales'

function message(body: unknown): IncomingMessage {
  const payload = Buffer.from(JSON.stringify(body))
  return { topic: TOPIC, clientId: 'abc123', payload, payloadBytes: payload.length, receivedAtMs: Date.now() }
}

describe('BronzeStore', () => {
  const bronze = freshBronzeStore()

  const rows = (): { event_id: string; dedupe_hash: number; quantity: number }[] =>
    bronze.db.prepare('SELECT event_id, dedupe_hash, quantity FROM bronze.iot_sales_raw ORDER BY id').all() as never

  it("stores each of a sale's own fields in its column (SALE_COLUMNS), as validation typed it", () => {
    const sale = seedSale({ event_id: 'e-9', customer_id: 42, order_id: 'o-7', quantity: 3 })
    bronze.store.commit([message(sale)])
    const valid = validateSale(sale, { storeId: 'store_001', deviceId: 'abc123' }, 2, JSON.stringify(sale))
    const stored = bronze.db.prepare(`SELECT ${saleColumnsOf()} FROM bronze.iot_sales_raw`).get() as Record<string, unknown>
    expect(stored).toEqual(Object.fromEntries(SALE_COLUMN_NAMES.map((column) => [column, (valid as unknown as Record<string, unknown>)[SALE_COLUMNS[column]]])))
    expect(stored).toMatchObject({ event_id: 'e-9', customer_id: 42, order_id: 'o-7', quantity: 3, device_id: 'abc123' })
  })

  it('an array of a sale, a return, a void and a bad item: the good three stored, the bad one a reject; a resend changes nothing (issue 22)', () => {
    const { device_id, store_id, timestamp } = seedSale()
    const batch = [
      seedSale({ event_id: 's-1' }),
      seedSale({ event_id: 'r-1', quantity: -2, refund_of: 'older', reason: 'damaged' }),
      { event_id: 'v-1', device_id, store_id, timestamp, void_of: 's-1' },
      { device_id, store_id, timestamp, void_of: 's-1' }, // a void without an event id: deduplicated by its content
      seedSale({ event_id: 'bad', quantity: 0 }),
    ]
    expect(bronze.store.commit([message(batch)])).toMatchObject({ accepted: 4, duplicates: 0, rejected: 1, rejectReasons: { invalid_value: 1 } })
    expect(bronze.store.commit([message(batch)])).toMatchObject({ accepted: 0, duplicates: 4, rejected: 1 })
    expect(rows().map((row) => [row.event_id, row.quantity])).toEqual([
      ['s-1', 1],
      ['r-1', -2],
    ])
    expect(bronze.db.prepare('SELECT refund_of, return_reason FROM bronze.iot_sales_raw WHERE event_id = ?').get('r-1')).toEqual({
      refund_of: 'older',
      return_reason: 'damaged',
    })
    expect(bronze.db.prepare('SELECT event_id, void_of FROM bronze.iot_sale_voids ORDER BY id').all()).toEqual([
      { event_id: 'v-1', void_of: 's-1' },
      { event_id: null, void_of: 's-1' },
    ])
  })

  it('keeps two different sales whose key collides, and still dedupes each of them', () => {
    const sale = seedSale({ event_id: 'real-sale' })
    const saleTsMs = Date.parse(sale.timestamp as string)
    const hash = hash53(eventIdentity('abc123', 'real-sale'))
    // Another sale already holds the same (millisecond, hash): a 2^-53 accident, forced here.
    bronze.db
      .prepare(
        `INSERT INTO bronze.iot_sales_raw (received_at, device_id, store_id, event_id, sale_ts_ms, dedupe_hash,
      product_id, price_minor, quantity, customer_id, order_id, payload) VALUES ('x', 'abc123', 'store_001', 'other-sale', ?, ?, 1, 1, 1, NULL, NULL, '{}')`,
      )
      .run(saleTsMs, hash)
    expect(bronze.store.commit([message(sale)])).toMatchObject({ accepted: 1, duplicates: 0 })
    expect(bronze.store.commit([message(sale)])).toMatchObject({ accepted: 0, duplicates: 1 })
    expect(rows().map((r) => [r.event_id, r.dedupe_hash - hash])).toEqual([
      ['other-sale', 0],
      ['real-sale', 1],
    ])
  })

  it('stores a reused event id at another sale time as another sale (documented identity)', () => {
    bronze.store.commit([message(seedSale({ event_id: 'e-1', timestamp: '2025-05-01T10:15:00Z' }))])
    bronze.store.commit([message(seedSale({ event_id: 'e-1', timestamp: '2025-05-01T10:15:00Z', quantity: 1 }))])
    bronze.store.commit([message(seedSale({ event_id: 'e-1', timestamp: '2025-06-01T09:00:00Z' }))])
    expect(rows().map((r) => r.event_id)).toEqual(['e-1', 'e-1'])
  })

  it('takes a null quantity as 1, like the other optional fields', () => {
    expect(bronze.store.commit([message(seedSale({ quantity: null }))])).toMatchObject({ accepted: 1, rejected: 0 })
    expect(rows()[0]!.quantity).toBe(1)
  })

  it('refuses a price beyond the exactness bound instead of storing it a cent off', () => {
    // eslint-disable-next-line no-loss-of-precision -- the point: a price no double holds to the cent
    const result = bronze.store.commit([message(seedSale({ price: 77306872164141.01 }))])
    expect(result).toMatchObject({ accepted: 0, rejected: 1, rejectReasons: { amount_out_of_range: 1 } })
  })
})
