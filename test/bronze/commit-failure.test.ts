import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { RawMqttClient } from '../helpers/raw-mqtt.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { seedSale, topicOf } from '../helpers/sales.js'

describe('when bronze cannot commit, nothing is acked', () => {
  let gw: RunningGateway | undefined
  afterEach(async () => {
    await gw?.stop()
    gw = undefined
  })

  it('runs bronze commits with synchronous FULL and WAL', async () => {
    gw = await startGateway()
    expect(gw.gateway.pipeline.pragmas).toEqual({ synchronous: 2, journalMode: 'wal' })
    await gw.stop()
    gw = await startGateway({ storage: { synchronous: 'NORMAL' } })
    expect(gw.gateway.pipeline.pragmas).toEqual({ synchronous: 1, journalMode: 'wal' })
  })

  it('a failed commit closes the connection without a PUBACK; the resent sale is stored later', async () => {
    gw = await startGateway()
    const device = gw.addDevice('abc123')
    // Another connection (an operator, a full disk...) makes the insert fail.
    const admin = new Database(join(gw.dataDir, 'bronze.db'))
    admin.exec("CREATE TRIGGER refuse BEFORE INSERT ON iot_sales_raw BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    const sale = seedSale()
    const { client } = await RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })
    client.publish(topicOf(device), JSON.stringify(sale), 1, 11)
    await client.closed()
    expect(client.received.some((p) => p.cmd === 'puback')).toBe(false)
    expect(gw.bronze().sales).toEqual([])

    admin.exec('DROP TRIGGER refuse')
    admin.close()
    const { client: again } = await RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })
    again.publish(topicOf(device), JSON.stringify(sale), 1, 11, true)
    await again.waitForAck(11)
    again.destroy()
    expect(gw.bronze().sales.map((r) => r.event_id)).toEqual([sale.event_id])
  })

  it('a dead bronze thread is fatal: pending publishes get no ack and the daemon is told to exit', async () => {
    gw = await startGateway()
    const device = gw.addDevice('abc123')
    // White box: kill the thread as an out-of-memory or native crash would.
    await (gw.gateway.pipeline as unknown as { bronze: { worker: { terminate(): Promise<number> } } }).bronze.worker.terminate()
    const { client } = await RawMqttClient.connect(gw.port, { username: device.deviceId, password: device.token })
    client.publish(topicOf(device), JSON.stringify(seedSale()), 1, 12)
    await client.closed()
    expect(client.received.some((p) => p.cmd === 'puback')).toBe(false)
    expect(gw.fatal.map((error) => error.message)).toEqual([expect.stringMatching(/bronze thread exited/)])
  })

  it('a dead silver thread is fatal too: the daemon is told to exit (and restarted by systemd)', async () => {
    gw = await startGateway()
    await (gw.gateway.pipeline as unknown as { silverThread: { worker: { terminate(): Promise<number> } } }).silverThread.worker.terminate()
    await vi.waitUntil(() => gw!.fatal.length > 0, { timeout: 30_000 })
    expect(gw.fatal.map((error) => error.message)).toEqual([expect.stringMatching(/silver thread exited/)])
  })
})
