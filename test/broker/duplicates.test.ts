import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { RawMqttClient } from '../helpers/raw-mqtt.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'

describe('duplicates are stored once', () => {
  let gw: RunningGateway
  let device: IssuedDevice

  beforeAll(async () => {
    gw = await startGateway()
    device = gw.addDevice('abc123')
  })
  afterAll(async () => {
    await gw.stop()
  })

  const countEvent = (eventId: unknown): number => gw.bronze().sales.filter((r) => r.event_id === eventId).length

  it('the same event_id sent twice, also inside one array', async () => {
    const client = await connectDevice(gw.url, device)
    const sale = seedSale()
    await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 1 })
    await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 1 })
    await client.publishAsync(topicOf(device), JSON.stringify([sale, sale]), { qos: 1 })
    await client.endAsync()
    expect(countEvent(sale.event_id)).toBe(1)
    expect(gw.gateway.pipeline.groupCommit.totals.duplicates).toBeGreaterThanOrEqual(3)
  })

  it('a sale without event_id is identified by its content', async () => {
    const client = await connectDevice(gw.url, device)
    const sale = seedSale({ event_id: undefined, order_id: 'content-dedupe', timestamp: '2025-05-01T11:00:00.123+02:00' })
    await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 1 })
    await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 2 })
    // Same content but another quantity is another sale.
    await client.publishAsync(topicOf(device), JSON.stringify({ ...sale, quantity: 2 }), { qos: 1 })
    await client.endAsync()
    expect(
      gw
        .bronze()
        .sales.filter((r) => r.order_id === 'content-dedupe')
        .map((r) => r.quantity),
    ).toEqual([1, 2])
  })

  it('a QoS 1 redelivery (DUP) after the connection dropped before the PUBACK', async () => {
    const sale = seedSale()
    const first = await RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })
    expect(first.returnCode).toBe(0)
    first.client.publish(topicOf(device), JSON.stringify(sale), 1, 42)
    first.client.destroy() // the device never sees the PUBACK
    await expect.poll(() => countEvent(sale.event_id)).toBe(1)

    const second = await RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })
    second.client.publish(topicOf(device), JSON.stringify(sale), 1, 42, true)
    await second.client.waitForAck(42)
    second.client.destroy()
    expect(countEvent(sale.event_id)).toBe(1)
  })
})
