import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { seedSale, topicOf } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'

describe('the optional MQTT-over-TLS listener', () => {
  const certDir = makeTempDir('medallion-edge-tls-')
  const certFile = join(certDir.path, 'cert.pem')
  const keyFile = join(certDir.path, 'key.pem')
  let gw: RunningGateway
  let device: IssuedDevice

  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    )
    gw = await startGateway({ mqtt: { tls: { host: '127.0.0.1', port: 0, certFile, keyFile } } })
    device = gw.addDevice('abc123')
  })
  afterAll(async () => {
    await gw.stop()
    certDir.remove()
  })

  it('accepts a device that trusts the certificate, and stores its sale', async () => {
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${gw.addresses.mqtts!.port}`, {
      clientId: device.deviceId,
      username: device.deviceId,
      password: device.token,
      ca: readFileSync(certFile),
      reconnectPeriod: 0,
    })
    const sale = seedSale()
    await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 1 })
    await client.endAsync()
    expect(gw.bronze().sales.map((r) => r.event_id)).toEqual([sale.event_id])
  })

  it('fails the handshake of a client that does not trust it', async () => {
    await expect(
      mqtt.connectAsync(`mqtts://127.0.0.1:${gw.addresses.mqtts!.port}`, {
        username: device.deviceId,
        password: device.token,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/self[- ]signed/i)
  })
})
