import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { RawMqttClient } from '../helpers/raw-mqtt.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'

describe('mqtt.maxConnections', () => {
  let gw: RunningGateway
  let device: IssuedDevice

  beforeAll(async () => {
    gw = await startGateway({ mqtt: { maxConnections: 3 } })
    device = gw.addDevice('abc123')
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('refuses connections beyond the limit at accept and takes new ones when a slot frees', async () => {
    const open = await Promise.all([1, 2, 3].map((i) => RawMqttClient.connect(gw.port, { clientId: `c${i}`, username: device.deviceId, password: device.token })))
    expect(open.map((c) => c.returnCode)).toEqual([0, 0, 0])
    await expect(RawMqttClient.connect(gw.port, { clientId: 'c4', username: device.deviceId, password: device.token })).rejects.toThrow()
    open[0]!.client.destroy()
    await open[0]!.client.closed()
    await expect.poll(async () => {
      try {
        const again = await RawMqttClient.connect(gw.port, { clientId: 'c5', username: device.deviceId, password: device.token })
        again.client.destroy()
        return again.returnCode
      } catch {
        return -1
      }
    }).toBe(0)
    for (const c of open.slice(1)) c.client.destroy()
  })
})
