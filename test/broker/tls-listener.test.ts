import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { connect as tlsConnect } from 'node:tls'
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

  const makeCertificate = (): void => {
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
  }

  beforeAll(async () => {
    makeCertificate()
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

  it('a reload takes a renewed certificate for new connections; a connected device stays connected', async () => {
    const port = gw.addresses.mqtts!.port
    const serial = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          resolve(socket.getPeerX509Certificate()!.serialNumber)
          socket.end()
        })
        socket.once('error', reject)
      })
    const connected = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
      clientId: device.deviceId,
      username: device.deviceId,
      password: device.token,
      ca: readFileSync(certFile),
      reconnectPeriod: 0,
    })
    const before = await serial()
    makeCertificate()
    gw.gateway.reload(gw.config, [])
    const after = await serial()
    expect(after).not.toBe(before)
    expect(after).toBe(new X509Certificate(readFileSync(certFile)).serialNumber)
    const sale = seedSale()
    await connected.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 1 })
    await connected.endAsync()
    expect(gw.bronze().sales.map((r) => r.event_id)).toContain(sale.event_id)
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
