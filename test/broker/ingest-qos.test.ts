import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import type { IssuedDevice } from '../../src/broker/device-registry.js'

const run = promisify(execFile)

describe('sales published at QoS 0, 1 and 2 land in bronze.iot_sales_raw', () => {
  let gw: RunningGateway
  let device: IssuedDevice

  beforeAll(async () => {
    gw = await startGateway()
    device = gw.addDevice('abc123')
  })
  afterAll(async () => {
    await gw.stop()
  })

  it.each([0, 1, 2] as const)('from the mqtt package at QoS %i', async (qos) => {
    const client = await connectDevice(gw.url, device)
    const sale = seedSale()
    await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos })
    await client.endAsync()
    // QoS 0 has no ack: wait until the broker has read and committed it.
    await expect.poll(() => gw.bronze().sales.some((r) => r.event_id === sale.event_id)).toBe(true)
    const row = gw.bronze().sales.find((r) => r.event_id === sale.event_id)
    expect(row).toMatchObject({
      device_id: 'abc123',
      store_id: 'store_001',
      product_id: 101,
      price_minor: 1550,
      quantity: 1,
      customer_id: 1001,
      sale_ts_ms: Date.parse('2025-05-01T10:15:00Z'),
      payload: JSON.stringify(sale),
    })
    expect(Date.parse(row!.received_at)).toBeGreaterThan(Date.now() - 60_000)
  })

  it.each([0, 1, 2] as const)('from mosquitto_pub (Debian mosquitto-clients) at QoS %i', async (qos) => {
    const sale = seedSale()
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(gw.port),
      '-V',
      'mqttv311',
      '-u',
      device.deviceId,
      '-P',
      device.token,
      '-i',
      device.deviceId,
      '-q',
      String(qos),
      '-t',
      topicOf(device),
      '-m',
      JSON.stringify(sale),
    ])
    await expect.poll(() => gw.bronze().sales.filter((r) => r.event_id === sale.event_id).length).toBe(1)
  })

  it('a batch array lands item by item', async () => {
    const client = await connectDevice(gw.url, device)
    const orderId = randomUUID()
    const batch = [
      seedSale({ product_id: 101, price: 15.5, order_id: orderId }),
      seedSale({ product_id: 102, price: 3.9, quantity: 2, order_id: orderId, customer_id: null }),
      seedSale({ product_id: 103, price: 0.29, order_id: orderId, event_id: undefined }),
    ]
    await client.publishAsync(topicOf(device), JSON.stringify(batch), { qos: 1 })
    await client.endAsync()
    const rows = gw.bronze().sales.filter((r) => r.order_id === orderId)
    expect(rows.map((r) => [r.product_id, r.price_minor, r.quantity, r.customer_id, r.event_id])).toEqual([
      [101, 1550, 1, 1001, batch[0]!.event_id],
      [102, 390, 2, null, batch[1]!.event_id],
      [103, 29, 1, 1001, null],
    ])
    expect(JSON.parse(rows[1]!.payload)).toEqual(batch[1])
  })
})
