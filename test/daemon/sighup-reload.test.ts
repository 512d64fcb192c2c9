import Database from 'better-sqlite3'
import { readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { configSchema } from '../../src/config/schema.js'
import { addDeviceWithCli } from '../helpers/cli.js'
import { startDaemon, stopDaemon, writeDaemonConfig, type DaemonProcess } from '../helpers/daemon.js'
import { RawMqttClient } from '../helpers/raw-mqtt.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { configChanges } from '../../src/config/config-changes.js'
import { openMigrated } from '../../src/schemas.js'

const OLD_STAFF = 'staff-token-before-0123'
const NEW_STAFF = 'staff-token-after-45678'

describe('SIGHUP: the running daemon re-reads its config, applies what it can, names what needs a restart', () => {
  const work = makeTempDir()
  let daemon: DaemonProcess
  let config: string
  let device: IssuedDevice
  const base = (): Record<string, unknown> => ({
    dataDir: join(work.path, 'data'),
    log: { level: 'info' },
    mqtt: { host: '127.0.0.1', port: 0, allowAnonymous: false, perDevice: { connectsPerMinute: 3 } },
    http: { host: '127.0.0.1', port: 0, tokens: { staff: OLD_STAFF } },
  })
  const metricsStatus = async (token: string): Promise<number> =>
    (await fetch(`http://127.0.0.1:${daemon.httpPort}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status
  const reloadLogs = (): Record<string, unknown>[] => daemon.logs.filter((entry) => String(entry.msg).startsWith('config reload'))
  /** Sends SIGHUP and waits for the reload's first log line. */
  const hangUp = async (): Promise<void> => {
    const before = reloadLogs().length
    daemon.child.kill('SIGHUP')
    await vi.waitUntil(() => reloadLogs().length > before, { timeout: 30_000, interval: 50 })
    await new Promise((resolve) => setTimeout(resolve, 200)) // and the lines that follow it
  }

  beforeAll(async () => {
    config = writeDaemonConfig(work.path, join(work.path, 'data'))
    writeFileSync(config, JSON.stringify(base()))
    device = await addDeviceWithCli(config, 'till-1')
    daemon = await startDaemon(config)
  })
  afterAll(async () => {
    await stopDaemon(daemon)
    work.remove()
  })

  it('tokens, log level, device limits and expectations change at once; a new port is named as needing a restart', async () => {
    expect(await metricsStatus(OLD_STAFF)).toBe(200)
    const next = base()
    Object.assign(next, {
      log: { level: 'debug' },
      mqtt: { host: '127.0.0.1', port: 18830, allowAnonymous: false, perDevice: { connectsPerMinute: 100 } },
      http: { host: '127.0.0.1', port: 0, tokens: { staff: NEW_STAFF } },
      silver: { expectations: [{ rule: 'price_range', min: 0, max: 5, action: 'drop' }] },
    })
    writeFileSync(config, JSON.stringify(next))
    await hangUp()
    const applied = reloadLogs().find((entry) => String(entry.msg).startsWith('config reloaded: applied'))!
    expect(applied.applied).toEqual(['http.tokens.staff', 'log.level', 'mqtt.perDevice.connectsPerMinute', 'silver.expectations'])
    expect(applied.needRestart).toEqual(['mqtt.port'])
    expect(reloadLogs().some((entry) => entry.level === 40 && String(entry.msg).includes('mqtt.port change only at a restart'))).toBe(true)

    expect(await metricsStatus(OLD_STAFF)).toBe(401)
    expect(await metricsStatus(NEW_STAFF)).toBe(200)
    // connectsPerMinute went from 3 to 100: a fourth connect in the minute is let in.
    for (let i = 0; i < 5; i++) {
      const { client, returnCode } = await RawMqttClient.connect(daemon.mqttPort, { username: device.deviceId, password: device.token })
      expect(returnCode).toBe(0)
      client.destroy()
      await client.closed()
    }
    // The new rule drops a sale over 5.
    const client = await connectDevice(`mqtt://127.0.0.1:${daemon.mqttPort}`, device)
    await client.publishAsync(topicOf(device), JSON.stringify(seedSale({ device_id: 'till-1', price: 9.5, timestamp: new Date().toISOString() })), { qos: 1 })
    await client.endAsync()
    const quarantined = (): number => {
      const db = new Database(join(work.path, 'data', 'silver.db'), { readonly: true })
      try {
        return db.prepare("SELECT count(*) FROM sales_quarantine WHERE rule = 'price_range'").pluck().get() as number
      } finally {
        db.close()
      }
    }
    await vi.waitUntil(() => quarantined() === 1, { timeout: 30_000, interval: 50 })
    // Debug level is on: a connection that sends garbage before CONNECT is logged at debug.
    const garbage = await new Promise<import('node:net').Socket>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: daemon.mqttPort }, () => resolve(socket))
    })
    garbage.on('error', () => {})
    garbage.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]))
    await vi.waitUntil(() => daemon.logs.some((entry) => entry.level === 20 && entry.msg === 'connection error before CONNECT completed'), {
      timeout: 30_000,
      interval: 50,
    })
    garbage.destroy()
  })

  it('a config that is no longer valid is refused in one line; the running config stays', async () => {
    const before = readFileSync(config, 'utf8')
    writeFileSync(config, before.replace('"level":"debug"', '"level":"chatty"'))
    await hangUp()
    const refusal = reloadLogs().at(-1)!
    expect(refusal.level).toBe(50)
    expect(refusal.msg).toMatch(/^config reload refused: config .*config\.json: log\.level: .*; the running config is kept$/)
    expect(await metricsStatus(NEW_STAFF)).toBe(200)
    expect(daemon.child.exitCode).toBeNull()
  })
})

describe('a reload in the running gateway: schedules and the upload target', () => {
  let gw: RunningGateway
  const lake = makeTempDir('medallion-lake-')
  beforeAll(async () => {
    gw = await startGateway({})
  })
  afterAll(async () => {
    await gw.stop()
    lake.remove()
  })

  it('a new cron expression takes effect; an upload target that appears gets its job and ships the backlog', async () => {
    const device = gw.addDevice('till-1')
    const client = await connectDevice(gw.url, device)
    await client.publishAsync(topicOf(device), JSON.stringify(seedSale({ device_id: 'till-1', timestamp: '2025-05-01T10:00:00Z' })), { qos: 1 })
    await client.endAsync()
    const goldDays = (): number => {
      const db = openMigrated(gw.dataDir)
      try {
        return db.prepare('SELECT count(*) FROM gold.kpi_daily_orders').pluck().get() as number
      } finally {
        db.close()
      }
    }
    await vi.waitUntil(() => goldDays() === 1, { timeout: 30_000, interval: 50 })
    await gw.gateway.scheduler.runNow('snapshot')
    expect(gw.gateway.scheduler.status().find((job) => job.name === 'snapshot')?.last).toMatchObject({
      outcome: 'ok',
      summary: expect.stringContaining('store_001-2025-05-01-v1'),
    })
    expect(gw.gateway.scheduler.status().map((job) => job.name)).not.toContain('upload')

    const reloaded = configSchema.parse({
      ...gw.config,
      schedule: { ...gw.config.schedule, retention: '*/5 * * * *' },
      upload: { target: 'directory', directory: { path: lake.path } },
    })
    const changes = configChanges(gw.config, reloaded)
    expect(changes.needRestart).toEqual([])
    gw.gateway.reload(changes.next, changes.applied)
    const jobs = gw.gateway.scheduler.status()
    expect(jobs.find((job) => job.name === 'retention')?.cron).toBe('*/5 * * * *')
    expect(jobs.map((job) => job.name)).toContain('upload')
    await gw.gateway.scheduler.runNow('upload')
    expect(gw.gateway.scheduler.status().find((job) => job.name === 'upload')?.last).toMatchObject({ outcome: 'ok' })
    expect(readFileSync(join(lake.path, '_manifests', 'store_001-2025-05-01-v1.json'), 'utf8')).toContain('"snapshot_id":"store_001-2025-05-01-v1"')
  })
})
