import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { RawMqttClient } from '../helpers/raw-mqtt.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'

/** CONNACK return code of a connect attempt (0 = accepted). */
async function connectReturnCode(port: number, username?: string, password?: string): Promise<number> {
  const { client, returnCode } = await RawMqttClient.connect(port, { clientId: `probe-${Math.random()}`, username, password })
  client.destroy()
  return returnCode
}

describe('device authentication and topic ACL', () => {
  let gw: RunningGateway
  let device: IssuedDevice
  let neighbour: IssuedDevice

  beforeAll(async () => {
    gw = await startGateway({ mqtt: { allowAnonymous: false } })
    device = gw.addDevice('abc123')
    neighbour = gw.addDevice('def456')
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('accepts the right token', async () => {
    expect(await connectReturnCode(gw.port, device.deviceId, device.token)).toBe(0)
  })

  it('refuses a wrong token (4: bad username or password)', async () => {
    expect(await connectReturnCode(gw.port, device.deviceId, neighbour.token)).toBe(4)
    expect(await connectReturnCode(gw.port, device.deviceId, '')).toBe(4)
  })

  it('refuses an unknown device (4)', async () => {
    expect(await connectReturnCode(gw.port, 'nobody', device.token)).toBe(4)
  })

  it('refuses anonymous clients when anonymous access is off (5: not authorized)', async () => {
    expect(await connectReturnCode(gw.port)).toBe(5)
  })

  it('refuses mqtt.js with a wrong token', async () => {
    await expect(mqtt.connectAsync(gw.url, { username: 'abc123', password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password/i)
  })

  it('closes the connection of a device publishing to another device\'s topic, and stores nothing', async () => {
    const { client } = await RawMqttClient.connect(gw.port, { clientId: 'intruder', username: device.deviceId, password: device.token })
    const forged = seedSale({ device_id: 'def456' })
    client.publish(topicOf(neighbour), JSON.stringify(forged), 1, 7)
    await client.closed()
    expect(client.received.some((p) => p.cmd === 'puback')).toBe(false)
    expect(gw.bronze().sales.some((r) => r.event_id === forged.event_id)).toBe(false)
    expect(gw.gateway.access.refused.publish).toBeGreaterThanOrEqual(1)
  })

  it('closes the connection of a device publishing outside its sales topic', async () => {
    const { client } = await RawMqttClient.connect(gw.port, { clientId: 'status', username: device.deviceId, password: device.token })
    client.publish('stores/store_001/devices/abc123/status', 'online', 1, 8)
    await client.closed()
    expect(client.received.some((p) => p.cmd === 'puback')).toBe(false)
  })

  it('refuses subscriptions outside the device\'s prefix (SUBACK 0x80) and grants its own', async () => {
    const { client } = await RawMqttClient.connect(gw.port, { clientId: 'subscriber', username: device.deviceId, password: device.token })
    client.send({
      cmd: 'subscribe',
      messageId: 5,
      subscriptions: ['#', '$SYS/#', 'stores/store_001/devices/def456/#', 'stores/store_001/devices/abc123/#'].map((topic) => ({ topic, qos: 1 as const })),
    })
    const suback = (await client.waitFor((p) => p.cmd === 'suback')) as { granted: number[] }
    expect(suback.granted).toEqual([128, 128, 128, 1])
    client.send({ cmd: 'pingreq' })
    await client.waitFor((p) => p.cmd === 'pingresp') // still connected
    client.destroy()
  })
})

describe('anonymous access', () => {
  it('"loopback" lets a client on this machine publish without a token', async () => {
    const gw = await startGateway({ mqtt: { allowAnonymous: 'loopback' } })
    try {
      const client = await mqtt.connectAsync(gw.url, { reconnectPeriod: 0 })
      const sale = seedSale({ device_id: 'demo-1' })
      await client.publishAsync('stores/store_001/devices/demo-1/sales', JSON.stringify(sale), { qos: 1 })
      await client.endAsync()
      expect(gw.bronze().sales.map((r) => r.event_id)).toEqual([sale.event_id])
    } finally {
      await gw.stop()
    }
  })
})
