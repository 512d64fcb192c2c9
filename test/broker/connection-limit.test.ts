import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { RawMqttClient } from '../helpers/raw-mqtt.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'

describe('mqtt.maxConnections', () => {
  let gw: RunningGateway
  let devices: IssuedDevice[]

  beforeAll(async () => {
    gw = await startGateway({ mqtt: { maxConnections: 3, maxPendingConnections: 1, maxAnonymousConnections: 0 } })
    devices = [1, 2, 3, 4, 5].map((i) => gw.addDevice(`dev-${i}`))
  })
  afterAll(async () => {
    await gw.stop()
  })

  const connect = (device: IssuedDevice): ReturnType<typeof RawMqttClient.connect> =>
    RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })

  it('refuses connections beyond the limit at accept and takes new ones when a slot frees', async () => {
    const open = await Promise.all(devices.slice(0, 3).map(connect))
    expect(open.map((c) => c.returnCode)).toEqual([0, 0, 0])
    await expect(connect(devices[3]!)).rejects.toThrow(/closed/)
    open[0]!.client.destroy()
    await open[0]!.client.closed()
    await expect
      .poll(async () => {
        try {
          const again = await connect(devices[4]!)
          again.client.destroy()
          return again.returnCode
        } catch {
          return -1
        }
      })
      .toBe(0)
    for (const c of open.slice(1)) c.client.destroy()
  })
})
