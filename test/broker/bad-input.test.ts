import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'

const json = (value: unknown): string => JSON.stringify(value)
const voidOf = (line: unknown): Record<string, unknown> => {
  const { device_id, store_id, timestamp } = seedSale()
  return { event_id: 'v-1', device_id, store_id, timestamp, void_of: line }
}
const nestedArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)
const nestedObjects = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)

/** Each bad message, the reason and field its reject row must carry. */
const CASES: { name: string; payload: () => string | Buffer; reason: string; field?: string | null }[] = [
  { name: 'not JSON', payload: () => 'hello, gateway', reason: 'invalid_json' },
  { name: 'a JSON string, not a sale', payload: () => json('sale'), reason: 'invalid_shape' },
  { name: 'a JSON number, not a sale', payload: () => '42', reason: 'invalid_shape' },
  { name: 'an object of the wrong shape', payload: () => json({ hello: 'world' }), reason: 'missing_field', field: 'device_id' },
  { name: 'an empty array', payload: () => '[]', reason: 'invalid_shape' },
  { name: 'price as a string', payload: () => json(seedSale({ price: '15.50' })), reason: 'invalid_type', field: 'price' },
  { name: 'product_id as a string', payload: () => json(seedSale({ product_id: '101' })), reason: 'invalid_type', field: 'product_id' },
  { name: 'quantity 0', payload: () => json(seedSale({ quantity: 0 })), reason: 'invalid_value', field: 'quantity' },
  { name: 'refund_of on a sale (positive quantity)', payload: () => json(seedSale({ refund_of: 'e-1' })), reason: 'invalid_value', field: 'refund_of' },
  {
    name: 'a return reason of 65 characters',
    payload: () => json(seedSale({ quantity: -1, reason: 'x'.repeat(65) })),
    reason: 'invalid_value',
    field: 'reason',
  },
  { name: 'a void without a timestamp', payload: () => json({ ...voidOf('e-1'), timestamp: undefined }), reason: 'missing_field', field: 'timestamp' },
  { name: 'a void of itself', payload: () => json({ ...voidOf('e-1'), event_id: 'e-1' }), reason: 'invalid_value', field: 'void_of' },
  { name: 'void_of as a number', payload: () => json(voidOf(7)), reason: 'invalid_type', field: 'void_of' },
  {
    name: "a void from another device than the topic's",
    payload: () => json({ ...voidOf('e-1'), device_id: 'other-till' }),
    reason: 'device_mismatch',
    field: 'device_id',
  },
  { name: 'a literal NaN', payload: () => json(seedSale()).replace('15.5', 'NaN'), reason: 'invalid_json' },
  { name: 'a literal Infinity', payload: () => json(seedSale()).replace('15.5', 'Infinity'), reason: 'invalid_json' },
  { name: 'a number that overflows to Infinity', payload: () => json(seedSale()).replace('15.5', '1e999'), reason: 'non_finite_number', field: 'price' },
  { name: 'a negative price', payload: () => json(seedSale({ price: -15.5 })), reason: 'negative_price', field: 'price' },
  { name: 'a price with 3 decimals', payload: () => json(seedSale({ price: 15.505 })), reason: 'price_precision', field: 'price' },
  { name: 'a timestamp without offset', payload: () => json(seedSale({ timestamp: '2025-05-01T10:15:00' })), reason: 'invalid_timestamp', field: 'timestamp' },
  { name: 'a date that does not exist', payload: () => json(seedSale({ timestamp: '2025-02-30T10:15:00Z' })), reason: 'invalid_timestamp', field: 'timestamp' },
  { name: "a store that is not the topic's", payload: () => json(seedSale({ store_id: 'store_999' })), reason: 'store_mismatch', field: 'store_id' },
  { name: "a device that is not the topic's", payload: () => json(seedSale({ device_id: 'other' })), reason: 'device_mismatch', field: 'device_id' },
  { name: 'a 10 MB payload', payload: () => Buffer.alloc(10 * 1024 * 1024, 'x'), reason: 'payload_too_large' },
  { name: 'deeply nested arrays', payload: () => nestedArrays(100_000), reason: 'invalid_shape' },
  { name: 'deeply nested objects', payload: () => nestedObjects(40_000), reason: 'missing_field' },
  { name: 'invalid UTF-8', payload: () => Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), reason: 'invalid_utf8' },
  { name: 'a 5000-item array of small items', payload: () => json(Array.from({ length: 5000 }, () => ({ p: 1 }))), reason: 'batch_too_large' },
  // 5000 real sales are ~1 MB: the size limit answers first.
  { name: 'a 5000-item array of sales', payload: () => json(Array.from({ length: 5000 }, () => seedSale())), reason: 'payload_too_large' },
]

const ADMIN = 'admin-token-0123456789'

/** The metrics docs/operations.md and the README tell operators to watch. */
const DOCUMENTED_METRICS = [
  'medallion_ingest_messages_total',
  'medallion_ingest_sales_total',
  'medallion_ingest_rejects_total',
  'medallion_ingest_commits_total',
  'medallion_mqtt_connected_clients',
  'medallion_mqtt_refused_total',
  'medallion_silver_sales_total',
  'medallion_silver_watermark',
  'medallion_silver_stopped',
  'medallion_expectation_violations_total',
  'medallion_gold_refreshes_total',
  'medallion_gold_caught_up_timestamp_seconds',
  'medallion_upload_backlog_snapshots',
  'medallion_upload_backlog_oldest_date_seconds',
  'medallion_job_last_duration_seconds',
  'medallion_job_last_success',
  'medallion_job_skipped_overlaps_total',
]

describe('bad input is acked, stored with a machine-readable reason, and harms no one', () => {
  let gw: RunningGateway
  let device: IssuedDevice
  let client: MqttClient

  beforeAll(async () => {
    gw = await startGateway({ http: { tokens: { admin: ADMIN } } })
    device = gw.addDevice('abc123')
    client = await connectDevice(gw.url, device)
  })
  afterAll(async () => {
    await client.endAsync()
    await gw.stop()
  })

  it.each(CASES)('$name -> $reason', async ({ payload, reason, field }) => {
    const before = gw.bronze()
    const body = payload()
    // publishAsync resolves on the PUBACK: the device is answered although its message is bad.
    await client.publishAsync(topicOf(device), body, { qos: 1 })
    const after = gw.bronze()
    expect(after.sales).toHaveLength(before.sales.length)
    const added = after.rejects.slice(before.rejects.length)
    expect(added).toHaveLength(1)
    expect(added[0]).toMatchObject({ reason, topic: topicOf(device), client_id: 'abc123', payload_bytes: Buffer.byteLength(body) })
    if (field !== undefined) expect(added[0]!.field).toBe(field)
    expect(added[0]!.detail.length).toBeGreaterThan(0)
  })

  it('keeps raw bytes of invalid UTF-8 as a BLOB and a prefix of an oversized payload', () => {
    const rejects = gw.bronze().rejects
    const utf8 = rejects.find((r) => r.reason === 'invalid_utf8')!
    expect(Buffer.isBuffer(utf8.payload)).toBe(true)
    expect([...(utf8.payload as Buffer)]).toEqual([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])
    const large = rejects.find((r) => r.reason === 'payload_too_large')!
    expect(large.payload).toBe('x'.repeat(gw.config.bronze.rejectPayloadKeepBytes))
  })

  it('keeps the good items of an array and rejects the bad ones by position', async () => {
    const good1 = seedSale()
    const good2 = seedSale({ product_id: 102, price: 3.9 })
    const batch = [good1, seedSale({ price: -1 }), good2, 'not a sale']
    const before = gw.bronze()
    await client.publishAsync(topicOf(device), json(batch), { qos: 1 })
    const after = gw.bronze()
    expect(after.sales.slice(before.sales.length).map((r) => r.event_id)).toEqual([good1.event_id, good2.event_id])
    expect(after.rejects.slice(before.rejects.length).map((r) => [r.item_index, r.reason, r.payload])).toEqual([
      [1, 'negative_price', json(batch[1])],
      [3, 'invalid_shape', json('not a sale')],
    ])
  })

  it('still serves other clients, and the bad device is still connected', async () => {
    const other = gw.addDevice('other-device')
    const otherClient = await connectDevice(gw.url, other)
    const sale = seedSale({ device_id: 'other-device' })
    await otherClient.publishAsync(topicOf(other), json(sale), { qos: 1 })
    await otherClient.endAsync()
    expect(gw.bronze().sales.some((r) => r.event_id === sale.event_id)).toBe(true)
    expect(client.connected).toBe(true)
  })

  it('the admin API pages through the rejects newest first, by reason, bytes as hex; /metrics counts them by reason', async () => {
    const base = `http://127.0.0.1:${gw.addresses.http.port}`
    const get = async (path: string): Promise<{ rejects: { id: number; reason: string; payload: string }[]; next_before: number }> =>
      (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as never
    const stored = gw.bronze().rejects
    const first = await get('/api/v1/rejects?limit=2')
    expect(first.rejects.map((r) => r.id)).toEqual(
      stored
        .slice(-2)
        .map((r) => r.id)
        .reverse(),
    )
    const second = await get(`/api/v1/rejects?limit=1&before=${first.next_before}`)
    expect(second.rejects.map((r) => r.id)).toEqual([stored.at(-3)!.id])
    const utf8 = await get('/api/v1/rejects?reason=invalid_utf8')
    expect(utf8.rejects.map((r) => [r.reason, r.payload])).toEqual([['invalid_utf8', 'hex:7B22FFFE227D']])
    expect((await fetch(`${base}/api/v1/rejects`)).status).toBe(401)

    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()
    for (const name of DOCUMENTED_METRICS) expect([name, metrics.includes(`# TYPE ${name} `)]).toEqual([name, true])
    expect(metrics).toMatch(/^medallion_ingest_rejects_total\{reason="invalid_utf8"\} 1$/m)
  })
})
