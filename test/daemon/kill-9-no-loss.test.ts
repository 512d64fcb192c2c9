import Database from 'better-sqlite3'
import mqtt from 'mqtt'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DeviceRegistry, type IssuedDevice } from '../../src/broker/device-registry.js'
import { AckedLoad } from '../helpers/acked-load.js'
import { startDaemon, writeDaemonConfig, type DaemonProcess } from '../helpers/daemon.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { openMigrated } from '../../src/schemas.js'

function registerDevices(dataDir: string, count: number, prefix: string): IssuedDevice[] {
  const db = openMigrated(dataDir, { attach: [] })
  try {
    const registry = new DeviceRegistry(db)
    return Array.from({ length: count }, (_, i) => registry.add(`${prefix}-${i}`, 'store_001'))
  } finally {
    db.close()
  }
}

function storedEventIds(dataDir: string): { ids: Set<string>; rows: number } {
  const db = new Database(join(dataDir, 'bronze.db'), { readonly: true })
  try {
    const rows = db.prepare('SELECT event_id FROM iot_sales_raw').pluck().all() as string[]
    return { ids: new Set(rows), rows: rows.length }
  } finally {
    db.close()
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('an acked sale is never lost', () => {
  const dir = makeTempDir()
  const dataDir = join(dir.path, 'data')
  let daemons: DaemonProcess[] = []

  afterEach(() => {
    for (const daemon of daemons) daemon.child.kill('SIGKILL')
    daemons = []
  })

  it('kill -9 mid-stream: after a restart on the same data dir every acked event_id is in bronze', async () => {
    const config = writeDaemonConfig(dir.path, dataDir)
    const devices = registerDevices(dataDir, 4, 'killed')
    const first = await startDaemon(config)
    daemons.push(first)
    const load = await AckedLoad.start(first.mqttPort, devices)
    await sleep(1500)
    first.child.kill('SIGKILL')
    const exit = await first.exited
    await load.stop()
    expect(exit.signal).toBe('SIGKILL')
    expect(load.acked.size).toBeGreaterThan(1000) // the kill really hit a stream

    const second = await startDaemon(config)
    daemons.push(second)
    const stored = storedEventIds(dataDir)
    const missing = [...load.acked].filter((id) => !stored.ids.has(id))
    expect(missing).toEqual([])

    // The devices resend what was acked last before the crash: each stays stored once.
    const replay = await mqtt.connectAsync(`mqtt://127.0.0.1:${second.mqttPort}`, {
      clientId: devices[0]!.deviceId,
      username: devices[0]!.deviceId,
      password: devices[0]!.token,
      reconnectPeriod: 0,
    })
    const resent = load.lastAcked.get(devices[0]!.deviceId) ?? []
    expect(resent.length).toBe(50)
    await Promise.all(resent.map((sale) => replay.publishAsync(sale.topic, sale.payload, { qos: 1 })))
    await replay.endAsync()
    const after = storedEventIds(dataDir)
    expect(after.rows).toBe(stored.rows)
    expect(after.rows).toBe(after.ids.size)
  })

  it('SIGTERM under load: a clean exit, and every acked event_id is in bronze', async () => {
    const config = writeDaemonConfig(dir.path, dataDir)
    const devices = registerDevices(dataDir, 4, 'stopped')
    const daemon = await startDaemon(config)
    daemons.push(daemon)
    const before = storedEventIds(dataDir).rows
    const load = await AckedLoad.start(daemon.mqttPort, devices)
    await sleep(1500)
    daemon.child.kill('SIGTERM')
    const exit = await daemon.exited
    await load.stop()
    expect(exit).toEqual({ code: 0, signal: null })
    expect(daemon.logs.some((entry) => entry.msg === 'stopped cleanly')).toBe(true)
    expect(load.acked.size).toBeGreaterThan(1000)

    const stored = storedEventIds(dataDir)
    expect([...load.acked].filter((id) => !stored.ids.has(id))).toEqual([])
    expect(stored.rows - before).toBeGreaterThanOrEqual(load.acked.size)
  })
})
