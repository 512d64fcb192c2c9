import { describe, expect, it } from 'vitest'
import type { IncomingMessage } from '../../src/bronze/bronze-store.js'
import { freshBronzeStore } from '../helpers/bronze-store.js'

const TOPIC = 'stores/store_001/devices/scanner-1/inventory'
const base = { device_id: 'scanner-1', store_id: 'store_001', timestamp: '2026-12-07T10:00:00Z', product_id: 101 }

function message(body: unknown, topic = TOPIC): IncomingMessage {
  const payload = Buffer.from(JSON.stringify(body))
  return { topic, clientId: 'scanner-1', payload, payloadBytes: payload.length, receivedAtMs: Date.now() }
}

describe('inventory events into bronze (issue 23)', () => {
  const bronze = freshBronzeStore()

  it('a count, a receipt and an adjustment in one array: stored with their fields; a resend is a duplicate', () => {
    const batch = [
      { ...base, event_id: 'c-1', type: 'count', quantity: 0 },
      { ...base, event_id: 'r-1', type: 'receipt', quantity: 24 },
      { ...base, type: 'adjustment', quantity: -2, reason: 'damaged' }, // no event id: deduplicated by content
    ]
    expect(bronze.store.commit([message(batch)])).toMatchObject({ accepted: 3, duplicates: 0, rejected: 0 })
    expect(bronze.store.commit([message(batch)])).toMatchObject({ accepted: 0, duplicates: 3, rejected: 0 })
    expect(
      bronze.db
        .prepare('SELECT event_id, device_id, store_id, product_id, type, quantity, reason, event_ts_ms FROM bronze.iot_inventory_raw ORDER BY id')
        .all(),
    ).toEqual([
      {
        event_id: 'c-1',
        device_id: 'scanner-1',
        store_id: 'store_001',
        product_id: 101,
        type: 'count',
        quantity: 0,
        reason: null,
        event_ts_ms: Date.parse(base.timestamp),
      },
      {
        event_id: 'r-1',
        device_id: 'scanner-1',
        store_id: 'store_001',
        product_id: 101,
        type: 'receipt',
        quantity: 24,
        reason: null,
        event_ts_ms: Date.parse(base.timestamp),
      },
      {
        event_id: null,
        device_id: 'scanner-1',
        store_id: 'store_001',
        product_id: 101,
        type: 'adjustment',
        quantity: -2,
        reason: 'damaged',
        event_ts_ms: Date.parse(base.timestamp),
      },
    ])
    // Nothing of it is a sale.
    expect(bronze.db.prepare('SELECT count(*) FROM bronze.iot_sales_raw').pluck().get()).toBe(0)
  })

  it.each([
    ['a count below 0', { type: 'count', quantity: -1 }, 'invalid_value', 'quantity'],
    ['a receipt of 0', { type: 'receipt', quantity: 0 }, 'invalid_value', 'quantity'],
    ['an adjustment of 0', { type: 'adjustment', quantity: 0, reason: 'correction' }, 'invalid_value', 'quantity'],
    ['an adjustment without a reason', { type: 'adjustment', quantity: 3 }, 'missing_field', 'reason'],
    ['a reason of 65 characters', { type: 'adjustment', quantity: 3, reason: 'x'.repeat(65) }, 'invalid_value', 'reason'],
    ['an unknown type', { type: 'sale', quantity: 1 }, 'invalid_value', 'type'],
    ['a type that is not a string', { type: 1, quantity: 1 }, 'invalid_type', 'type'],
    ['no quantity', { type: 'count' }, 'missing_field', 'quantity'],
    ['a quantity of 1.5', { type: 'receipt', quantity: 1.5 }, 'invalid_value', 'quantity'],
    ['a product id as a string', { type: 'count', quantity: 1, product_id: '101' }, 'invalid_type', 'product_id'],
    ["another store than the topic's", { type: 'count', quantity: 1, store_id: 'store_002' }, 'store_mismatch', 'store_id'],
  ])('%s is refused and kept as a reject with its reason', (_name, fields, reason, field) => {
    expect(bronze.store.commit([message({ ...base, ...fields })])).toMatchObject({ accepted: 0, rejected: 1 })
    expect(bronze.db.prepare('SELECT topic, reason, field FROM bronze.iot_sales_rejects').get()).toEqual({ topic: TOPIC, reason, field })
  })

  it('a topic of another kind is refused as invalid_topic', () => {
    expect(bronze.store.commit([message({ ...base, type: 'count', quantity: 1 }, 'stores/store_001/devices/scanner-1/stock')])).toMatchObject({
      rejected: 1,
      rejectReasons: { invalid_topic: 1 },
    })
  })
})
