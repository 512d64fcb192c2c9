import mqtt, { type MqttClient } from 'mqtt'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { rssMiB } from '../../bench/lib/proc.js'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { DeviceRegistry } from '../../src/broker/device-registry.js'
import { caughtUp, expectSoundDataDir } from '../helpers/data-dir-checks.js'
import { startDaemon, writeDaemonConfig, type DaemonProcess } from '../helpers/daemon.js'
import { seedSale, topicOf } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { openMigrated } from '../../src/schemas.js'

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10)
const RATE = Number(process.env.SOAK_RATE ?? 300) // sales per second over 4 devices
const SAMPLE_MS = 15_000
const DEVICES = 4
const DAY_MS = 86_400_000

interface Sample {
  minute: number
  rssMiB: number
  databasesMiB: number
  walMiB: number
  snapshotsMiB: number
  acked: number
}

const mib = (bytes: number): number => bytes / 1048576
function treeBytes(dir: string): number {
  if (!existsSync(dir)) return 0
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    total += entry.isDirectory() ? treeBytes(join(dir, entry.name)) : statSync(join(dir, entry.name)).size
  }
  return total
}

/**
 * A month in SOAK_MINUTES: devices publish steadily, and every minute is a new store-day (dated
 * 60 days back and onwards, so each is past retention.salesDays); snapshot, upload and retention
 * run every minute. So the files see what months see: days arrive, are shipped, and are pruned.
 * RSS and file sizes are sampled; both must level off (the last third no higher than the middle
 * third, with a margin), and at the end the data directory must be sound.
 */
describe(`soak: ${MINUTES} minutes of steady load at ${RATE} sales/s, a store-day per minute`, () => {
  const work = makeTempDir()
  let daemon: DaemonProcess | undefined
  afterAll(async () => {
    if (daemon && daemon.child.exitCode === null) {
      daemon.child.kill('SIGKILL')
      await daemon.exited
    }
    work.remove()
  })

  it('RSS and file sizes level off; nothing acked is lost; the data directory is sound', async () => {
    const dataDir = join(work.path, 'data')
    const lake = join(work.path, 'lake')
    const config = writeDaemonConfig(work.path, dataDir, {
      upload: { target: 'directory', directory: { path: lake } },
      schedule: { snapshot: '* * * * *', upload: '* * * * *', retention: '* * * * *' },
    })
    const db = openMigrated(dataDir, { attach: [] })
    const devices = Array.from({ length: DEVICES }, (_, i) => new DeviceRegistry(db).add(`soak-${i}`, 'store_001'))
    db.close()
    daemon = await startDaemon(config)
    const pid = daemon.child.pid!
    const clients: MqttClient[] = await Promise.all(
      devices.map((device) =>
        mqtt.connectAsync(`mqtt://127.0.0.1:${daemon!.mqttPort}`, {
          clientId: device.deviceId,
          username: device.deviceId,
          password: device.token,
          reconnectPeriod: 0,
        }),
      ),
    )
    const acked = new Set<string>()
    let failed = 0
    const started = Date.now()
    const firstDay = started - 60 * DAY_MS
    const tick = setInterval(() => {
      const minute = Math.floor((Date.now() - started) / 60_000)
      for (const [index, client] of clients.entries()) {
        for (let i = 0; i < RATE / DEVICES / 10; i++) {
          const sale = seedSale({
            device_id: devices[index]!.deviceId,
            timestamp: new Date(firstDay + minute * DAY_MS + (Date.now() % 60_000) * 1000).toISOString(),
          })
          client.publish(topicOf(devices[index]!), JSON.stringify(sale), { qos: 1 }, (error) => (error ? failed++ : acked.add(sale.event_id as string)))
        }
      }
    }, 100)
    const samples: Sample[] = []
    const sample = (): void => {
      const files = readdirSync(dataDir).filter((name) => name.endsWith('.db') || name.endsWith('.db-wal'))
      const sizes = (suffix: string): number => files.filter((name) => name.endsWith(suffix)).reduce((sum, name) => sum + statSync(join(dataDir, name)).size, 0)
      samples.push({
        minute: (Date.now() - started) / 60_000,
        rssMiB: rssMiB(pid),
        databasesMiB: mib(sizes('.db')),
        walMiB: mib(sizes('.db-wal')),
        snapshotsMiB: mib(treeBytes(join(dataDir, 'snapshots'))),
        acked: acked.size,
      })
    }
    const sampler = setInterval(sample, SAMPLE_MS)
    await new Promise((resolve) => setTimeout(resolve, MINUTES * 60_000))
    clearInterval(tick)
    clearInterval(sampler)
    sample()
    await Promise.all(clients.map((client) => client.endAsync()))

    console.info(`CPU: ${cpus()[0]?.model} x ${cpus().length}; ${MINUTES} min at ${RATE} sales/s; acked ${acked.size}, failed ${failed}`)
    console.info(
      [
        '| minute | RSS MiB | databases MiB | WAL MiB | snapshots MiB | acked |',
        '|---:|---:|---:|---:|---:|---:|',
        ...samples.map(
          (s) =>
            `| ${s.minute.toFixed(1)} | ${s.rssMiB.toFixed(0)} | ${s.databasesMiB.toFixed(1)} | ${s.walMiB.toFixed(1)} | ${s.snapshotsMiB.toFixed(1)} | ${s.acked} |`,
        ),
      ].join('\n'),
    )

    const retention = daemon.logs
      .filter((entry) => entry.job === 'retention' && entry.msg === 'job done')
      .map((entry) => entry.result as { prunedDays: number; freedBytes: number; salesWait: string | null })
    console.info(
      `retention runs: ${retention.length}; store-days pruned ${retention.reduce((sum, r) => sum + r.prunedDays, 0)}; ${mib(retention.reduce((sum, r) => sum + r.freedBytes, 0)).toFixed(1)} MiB given back; waits: ${
        retention
          .filter((r) => r.salesWait)
          .map((r) => r.salesWait)
          .join('; ') || 'none'
      }`,
    )
    const third = Math.floor(samples.length / 3)
    const middle = samples.slice(third, 2 * third)
    const last = samples.slice(2 * third)
    const peak = (list: Sample[], pick: (s: Sample) => number): number => Math.max(...list.map(pick))
    expect(
      peak(last, (s) => s.rssMiB),
      'RSS levels off',
    ).toBeLessThanOrEqual(peak(middle, (s) => s.rssMiB) * 1.2 + 16)
    expect(
      peak(last, (s) => s.databasesMiB + s.walMiB),
      'database files level off',
    ).toBeLessThanOrEqual(peak(middle, (s) => s.databasesMiB + s.walMiB) * 1.3 + 8)
    expect(failed).toBe(0)

    await vi.waitUntil(() => caughtUp(dataDir), { timeout: 60_000, interval: 200 })
    await new Promise((resolve) => setTimeout(resolve, 3000))
    daemon.child.kill('SIGTERM')
    expect(await daemon.exited).toEqual({ code: 0, signal: null })
    // Pruned days' sales are gone from bronze by design; gold keeps every day: it counts each acked sale once.
    const facts = expectSoundDataDir(dataDir, { lake })
    const gold = openMigrated(dataDir)
    try {
      expect((gold.prepare('SELECT sum(sales_count) FROM gold.fact_daily_sales').pluck().get() as number) + facts.quarantined).toBe(acked.size)
      expect(gold.prepare('SELECT count(*) FROM silver.pruned_days').pluck().get(), 'days were pruned').not.toBe(0)
    } finally {
      gold.close()
    }
    console.info(`at the end: bronze ${facts.bronze} sales of ${acked.size} acked (the rest pruned), ${facts.snapshots} snapshots, ${facts.shipped} shipped`)
  })
})
