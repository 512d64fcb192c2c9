import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DeviceRegistry } from '../../src/broker/device-registry.js'
import { AckedLoad } from '../helpers/acked-load.js'
import { startDaemon, writeDaemonConfig, type DaemonProcess } from '../helpers/daemon.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { openMigrated } from '../../src/schemas.js'

function layers(dataDir: string): { bronzeIds: number[]; silverIds: number[]; quarantineIds: number[]; watermark: number } {
  const db = new Database(join(dataDir, 'silver.db'), { readonly: true })
  try {
    db.exec(`ATTACH '${join(dataDir, 'bronze.db')}' AS bronze`)
    const ids = (sql: string): number[] => db.prepare(sql).pluck().all() as number[]
    return {
      bronzeIds: ids('SELECT id FROM bronze.iot_sales_raw ORDER BY id'),
      silverIds: ids('SELECT bronze_id FROM sales_enriched ORDER BY bronze_id'),
      quarantineIds: ids('SELECT bronze_id FROM sales_quarantine ORDER BY bronze_id'),
      watermark: (db.prepare("SELECT value FROM pipeline_state WHERE name = 'bronze_watermark'").pluck().get() as number | undefined) ?? 0,
    }
  } finally {
    db.close()
  }
}

describe('silver after a crash', () => {
  const dir = makeTempDir()
  const dataDir = join(dir.path, 'data')
  const daemons: DaemonProcess[] = []
  afterEach(() => {
    for (const daemon of daemons) daemon.child.kill('SIGKILL')
  })

  it('kill -9 while silver catches up: after a restart every bronze row is in silver exactly once', async () => {
    // Silver keeps up with a burst on its own thread: a backlog is made by a first run whose rule
    // stops silver at the first sale; the second run, without it, catches up and is killed mid-way.
    const mqtt = { host: '127.0.0.1', port: 0, allowAnonymous: false, perDevice: { messagesPerSecond: 0, bytesPerSecond: 0 } }
    let config = writeDaemonConfig(dir.path, dataDir, { mqtt, silver: { expectations: [{ rule: 'price_range', min: 100_000, max: 200_000, action: 'fail' }] } })
    const db = openMigrated(dataDir, { attach: [] })
    const devices = [0, 1, 2, 3].map((i) => new DeviceRegistry(db).add(`crash-${i}`, 'store_001'))
    db.close()
    const holding = await startDaemon(config)
    daemons.push(holding)
    const load = await AckedLoad.start(holding.mqttPort, devices)
    await new Promise((resolve) => setTimeout(resolve, 3000))
    await load.stop()
    holding.child.kill('SIGKILL')
    await holding.exited
    expect(layers(dataDir).watermark).toBe(0)

    config = writeDaemonConfig(dir.path, dataDir, { mqtt })
    const first = await startDaemon(config)
    daemons.push(first)
    // Watched on one open connection, so that the kill follows silver's first commit closely even
    // on a busy machine (reopening the files at each look let silver finish first once).
    const watch = new Database(join(dataDir, 'silver.db'), { readonly: true })
    const watermark = watch.prepare("SELECT value FROM pipeline_state WHERE name = 'bronze_watermark'").pluck()
    for (let i = 0; i < 20_000 && ((watermark.get() as number | undefined) ?? 0) === 0; i++) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    first.child.kill('SIGKILL')
    watch.close()
    await first.exited
    const before = layers(dataDir)
    expect(before.watermark).toBeGreaterThan(0)
    expect(before.watermark).toBeLessThan(before.bronzeIds.at(-1)!) // it really was mid-way

    const second = await startDaemon(config)
    daemons.push(second)
    await expect.poll(() => layers(dataDir).watermark, { timeout: 30_000, interval: 100 }).toBe(before.bronzeIds.at(-1))
    const after = layers(dataDir)
    expect([...after.silverIds, ...after.quarantineIds].sort((a, b) => a - b)).toEqual(after.bronzeIds)
  })
})
