import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { RawMqttClient } from '../helpers/raw-mqtt.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'

// Guards src/broker/packet-size-guard.ts, which wraps a private step of aedes' mqtt-packet parser.
describe('mqtt.maxPacketBytes', () => {
  let gw: RunningGateway
  let device: IssuedDevice

  beforeAll(async () => {
    gw = await startGateway({ mqtt: { maxPacketBytes: 64 * 1024, maxPayloadBytes: 16 * 1024 } })
    device = gw.addDevice('abc123')
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('closes a connection whose packet header announces more, before buffering it', async () => {
    const { client } = await RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })
    // Only the fixed header of a 100 MB PUBLISH is sent: the guard acts on the announced length.
    client.socket.write(Buffer.from([0x32, 0x80, 0x80, 0x80, 0x30]))
    await client.closed()
    expect(client.received.some((p) => p.cmd === 'puback')).toBe(false)
  })

  it('answers a payload between maxPayloadBytes and maxPacketBytes with an ack and a reject row', async () => {
    const client = await connectDevice(gw.url, device)
    await client.publishAsync(topicOf(device), Buffer.alloc(32 * 1024, 'y'), { qos: 1 })
    const sale = seedSale()
    await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 1 })
    await client.endAsync()
    const { sales, rejects } = gw.bronze()
    expect(rejects.map((r) => [r.reason, r.payload_bytes])).toEqual([['payload_too_large', 32 * 1024]])
    expect(sales.map((r) => r.event_id)).toEqual([sale.event_id])
  })
})
