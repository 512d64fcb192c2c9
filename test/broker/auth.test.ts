import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { RawMqttClient } from '../helpers/raw-mqtt.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'

/** CONNACK return code of a connect attempt (0 = accepted). */
async function connectReturnCode(port: number, username?: string, password?: string): Promise<number> {
  const { client, returnCode } = await RawMqttClient.connect(port, { username, password })
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

  it("closes the connection of a device publishing to another device's topic, and stores nothing", async () => {
    const { client } = await RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })
    const forged = seedSale({ device_id: 'def456' })
    client.publish(topicOf(neighbour), JSON.stringify(forged), 1, 7)
    await client.closed()
    expect(client.received.some((p) => p.cmd === 'puback')).toBe(false)
    expect(gw.bronze().sales.some((r) => r.event_id === forged.event_id)).toBe(false)
    expect(gw.gateway.access.refused.publish).toBeGreaterThanOrEqual(1)
  })

  it('closes the connection of a device publishing outside its sales topic', async () => {
    const { client } = await RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })
    client.publish('stores/store_001/devices/abc123/status', 'online', 1, 8)
    await client.closed()
    expect(client.received.some((p) => p.cmd === 'puback')).toBe(false)
  })

  it('refuses a device that does not use its device id as client id (2: identifier rejected)', async () => {
    const { client, returnCode } = await RawMqttClient.connect(gw.port, { clientId: 'def456', username: device.deviceId, password: device.token })
    client.destroy()
    expect(returnCode).toBe(2)
  })

  it("refuses subscriptions outside the device's prefix (SUBACK 0x80) and grants its own", async () => {
    const { client } = await RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })
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

describe('anonymous access ("loopback", the demo default)', () => {
  let gw: RunningGateway
  let device: IssuedDevice

  beforeAll(async () => {
    gw = await startGateway({ mqtt: { allowAnonymous: 'loopback' } })
    device = gw.addDevice('abc123')
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('lets a client on this machine publish sales of an unregistered device without a token', async () => {
    const client = await mqtt.connectAsync(gw.url, { reconnectPeriod: 0 })
    const sale = seedSale({ device_id: 'demo-1' })
    await client.publishAsync('stores/store_001/devices/demo-1/sales', JSON.stringify(sale), { qos: 1 })
    await client.endAsync()
    expect(gw.bronze().sales.map((r) => r.event_id)).toEqual([sale.event_id])
  })

  it('does not let it publish as a registered device, take its client id, or subscribe', async () => {
    const { client } = await RawMqttClient.connect(gw.port, {})
    client.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'stores/store_001/devices/demo-1/#', qos: 0 }] })
    expect(((await client.waitFor((p) => p.cmd === 'suback')) as { granted: number[] }).granted).toEqual([128])
    const forged = seedSale()
    client.publish(topicOf(device), JSON.stringify(forged), 1, 9)
    await client.closed()
    expect(gw.bronze().sales.some((r) => r.event_id === forged.event_id)).toBe(false)

    const { client: thief, returnCode } = await RawMqttClient.connect(gw.port, { clientId: 'abc123' })
    thief.destroy()
    expect(returnCode).toBe(2)
  })

  it('a device registered by another process (`devices add`) is closed to anonymous publishes within seconds', async () => {
    // The broker keeps the registered ids in memory: the first publish reads them, demo-2 is free.
    const free = await mqtt.connectAsync(gw.url, { reconnectPeriod: 0 })
    await free.publishAsync('stores/store_001/devices/demo-2/sales', JSON.stringify(seedSale({ device_id: 'demo-2' })), { qos: 1 })
    await free.endAsync()
    gw.addDevice('demo-2') // its own connection, as the CLI's
    // Each try is a new anonymous client: a refused publish closes the connection.
    const refused = async (): Promise<boolean> => {
      const { client } = await RawMqttClient.connect(gw.port, {})
      const sale = seedSale({ device_id: 'demo-2' })
      client.publish('stores/store_001/devices/demo-2/sales', JSON.stringify(sale), 1, 5)
      const closed = await Promise.race([client.closed().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000))])
      client.destroy()
      return closed && !gw.bronze().sales.some((r) => r.event_id === sale.event_id)
    }
    await vi.waitUntil(refused, { timeout: 30_000, interval: 200 })
  })
})

describe('what the broker keeps for devices', () => {
  let gw: RunningGateway
  let device: IssuedDevice

  beforeAll(async () => {
    gw = await startGateway()
    device = gw.addDevice('abc123')
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('neither retains sales nor delivers them to subscribers, and stores a will never', async () => {
    const watcher = await connectDevice(gw.url, device, {
      will: { topic: topicOf(device), payload: Buffer.from(JSON.stringify(seedSale({ event_id: 'WILL' }))), qos: 1, retain: false },
    })
    const received: string[] = []
    watcher.on('message', (topic) => received.push(topic))
    await watcher.subscribeAsync('stores/store_001/devices/abc123/#', { qos: 1 })
    await watcher.publishAsync(topicOf(device), JSON.stringify(seedSale({ event_id: 'RETAINED' })), { qos: 1, retain: true })
    // The connection drops without DISCONNECT: aedes would publish the will now.
    watcher.stream.destroy()
    await new Promise((resolve) => setTimeout(resolve, 200))
    await gw.gateway.pipeline.groupCommit.drain()

    const later = await connectDevice(gw.url, device)
    const retained: string[] = []
    later.on('message', (topic) => retained.push(topic))
    await later.subscribeAsync('stores/store_001/devices/abc123/#', { qos: 1 })
    await new Promise((resolve) => setTimeout(resolve, 200))
    await later.endAsync()

    expect(received).toEqual([])
    expect(retained).toEqual([])
    expect(gw.bronze().sales.map((r) => r.event_id)).toEqual(['RETAINED'])
  })

  it('closes the connection of a device removed from the registry', async () => {
    const other = gw.addDevice('to-remove')
    const client = await connectDevice(gw.url, other)
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
    gw.removeDevice('to-remove')
    await closed
    expect(client.connected).toBe(false)
  })

  it('lets a client leave at most 32 QoS 2 packets waiting for PUBREL; the 33rd closes its connection', async () => {
    const { client } = await RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })
    for (let id = 1; id <= 32; id++) client.publish(topicOf(device), JSON.stringify(seedSale()), 2, id)
    for (let id = 1; id <= 32; id++) await client.waitForAck(id, 'pubrec')
    client.publish(topicOf(device), JSON.stringify(seedSale()), 2, 33)
    await client.closed()
    expect(client.received.filter((p) => p.cmd === 'pubrec')).toHaveLength(32)
  })
})
