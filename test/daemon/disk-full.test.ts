import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startDaemon, writeDaemonConfig, type DaemonProcess } from '../helpers/daemon.js'
import { caughtUp } from '../helpers/data-dir-checks.js'
import { seedSale } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const FS_MIB = 48
const RESERVE_MIB = 8

/** A real small filesystem: a tmpfs, which needs root (CI runs as root). */
function mountTmpfs(at: string): boolean {
  if (process.getuid?.() !== 0) return false
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${FS_MIB}m`, 'tmpfs', at])
    return true
  } catch {
    return false
  }
}

const freeBytes = (path: string): number => {
  const stats = statfsSync(path)
  return stats.bavail * stats.bsize
}

/**
 * Devices as they behave: each publishes its next sale at QoS 1 and, until the PUBACK comes,
 * sends the same sale again on every reconnect. Acked event ids are recorded.
 */
class PatientDevices {
  readonly acked = new Set<string>()
  refusals = 0
  /** While set, no new sale is started (one waiting for its PUBACK is still sent again). */
  paused = false
  private running = true
  private readonly loops: Promise<void>[] = []
  private readonly clients: MqttClient[] = []

  constructor(port: number, devices: { deviceId: string; token: string }[]) {
    for (const device of devices) {
      const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
        clientId: device.deviceId,
        username: device.deviceId,
        password: device.token,
        reconnectPeriod: 300,
      })
      client.on('error', () => {})
      client.on('close', () => this.refusals++)
      this.clients.push(client)
      this.loops.push(this.loop(client, device.deviceId))
    }
  }

  private async loop(client: MqttClient, deviceId: string): Promise<void> {
    while (this.running) {
      if (this.paused) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        continue
      }
      const sale = seedSale({ device_id: deviceId, timestamp: new Date().toISOString() })
      for (;;) {
        if (!this.running) return
        if (!client.connected) {
          await new Promise((resolve) => setTimeout(resolve, 50))
          continue
        }
        const acked = await Promise.race([
          client.publishAsync(`stores/store_001/devices/${deviceId}/sales`, JSON.stringify(sale), { qos: 1 }).then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
        ])
        if (acked) {
          this.acked.add(sale.event_id as string)
          break
        }
      }
    }
  }

  get count(): number {
    return this.acked.size
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
    await Promise.all(this.clients.map((client) => client.endAsync(true)))
  }
}

const canMount = process.getuid?.() === 0

describe('a full data disk: acks stop, nothing acked is lost, it recovers by itself', () => {
  const work = makeTempDir('medallion-full-')
  const mountPoint = join(work.path, 'small')
  let mounted = false
  let daemon: DaemonProcess | undefined

  beforeAll(() => {
    mkdirSync(mountPoint)
    mounted = mountTmpfs(mountPoint)
  })
  afterAll(async () => {
    if (daemon && daemon.child.exitCode === null) {
      daemon.child.kill('SIGKILL')
      await daemon.exited
    }
    if (mounted) execFileSync('umount', ['-l', mountPoint])
    work.remove()
  })

  // Without root there is no small filesystem to fill here (no tmpfs, no loop mount): the test says so.
  it.skipIf(!canMount)(
    `on a ${FS_MIB} MiB tmpfs, with storage.reserveMiB ${RESERVE_MIB}`,
    async () => {
      expect(mounted, 'mount -t tmpfs failed').toBe(true)
      const dataDir = join(mountPoint, 'data')
      const configFile = writeDaemonConfig(work.path, dataDir, { storage: { reserveMiB: RESERVE_MIB } })
      const devices = await Promise.all(
        ['till-1', 'till-2', 'till-3'].map(async (id) => {
          const added = await runCli(['devices', 'add', id, '--store', 'store_001', '--json', '--config', configFile])
          return JSON.parse(added.stdout) as { device_id: string; token: string }
        }),
      )
      daemon = await startDaemon(configFile)
      const port = daemon.mqttPort
      const publishers = new PatientDevices(
        port,
        devices.map((device) => ({ deviceId: device.device_id, token: device.token })),
      )
      const until = async (done: () => boolean, timeoutMs: number, what: string): Promise<void> => {
        const deadline = Date.now() + timeoutMs
        while (!done()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
      await until(() => publishers.count > 200, 10_000, 'sales acked before the disk fills')

      // Silver and gold write what bronze already holds whatever the disk (only new sales wait): let
      // them catch up first, so that the 6 MiB left below are not theirs to take on a slow machine.
      publishers.paused = true
      await until(() => caughtUp(dataDir), 60_000, 'silver and gold to catch up')
      // Fill the filesystem to 2 MiB under the reserve: acks stop within a second or two.
      const filler = join(mountPoint, 'filler')
      writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes(mountPoint) - (RESERVE_MIB - 2) * 1024 * 1024)))
      publishers.paused = false
      await until(() => daemon!.logs.some((line) => String(line.msg).startsWith('disk full')), 5000, 'the disk-full error')
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const ackedWhenFull = publishers.count
      await new Promise((resolve) => setTimeout(resolve, 4000))
      expect(publishers.count).toBe(ackedWhenFull) // nothing acked under the reserve
      // ...because intake paused at the reserve, before SQLite met a full disk: no commit failed.
      expect(freeBytes(mountPoint)).toBeGreaterThan(0)
      expect(daemon.logs.filter((line) => line.msg === 'bronze commit failed; messages not acked')).toEqual([])
      expect(daemon.child.exitCode).toBeNull() // and the daemon is up
      const ready = await fetch(`http://127.0.0.1:${daemon.logs.find((line) => line.msg === 'medallion-edge ready')!.httpPort as number}/readyz`)
      expect(ready.status).toBe(503)
      expect(JSON.stringify(await ready.json())).toMatch(/the disk is full/)

      // Then the last bytes too: the pipeline and gold threads meet SQLITE_FULL; still up.
      writeFileSync(join(mountPoint, 'filler-2'), Buffer.alloc(Math.max(0, freeBytes(mountPoint) - 64 * 1024)))
      await new Promise((resolve) => setTimeout(resolve, 3000))
      expect(daemon.child.exitCode).toBeNull()
      expect(publishers.count).toBe(ackedWhenFull)

      // Space comes back: acks resume without a restart.
      rmSync(filler)
      rmSync(join(mountPoint, 'filler-2'))
      await until(() => publishers.count > ackedWhenFull + 100, 15_000, 'acks after space came back')
      expect(daemon.logs.some((line) => line.msg === 'disk space is back: acking sales again')).toBe(true)
      await publishers.stop()
      daemon.child.kill('SIGTERM')
      expect((await daemon.exited).code).toBe(0)

      // Every acked sale is in bronze exactly once, and every database is intact.
      const bronze = new Database(join(dataDir, 'bronze.db'), { readonly: true })
      const stored = bronze.prepare("SELECT json_extract(payload, '$.event_id') AS id, count(*) AS n FROM iot_sales_raw GROUP BY id").all() as {
        id: string
        n: number
      }[]
      const once = new Set(stored.filter((row) => row.n === 1).map((row) => row.id))
      expect(stored.every((row) => row.n === 1)).toBe(true)
      expect([...publishers.acked].filter((id) => !once.has(id))).toEqual([])
      bronze.close()
      for (const file of ['gateway.db', 'bronze.db', 'silver.db', 'gold.db']) {
        if (!existsSync(join(dataDir, file))) continue
        const db = new Database(join(dataDir, file), { readonly: true })
        expect(db.pragma('integrity_check', { simple: true }), file).toBe('ok')
        db.close()
      }
      // One clear error per episode (the reserve, then a write that failed adds none), not one per commit.
      expect(daemon.logs.filter((line) => String(line.msg).startsWith('disk full')).length).toBe(1)
      expect(daemon.logs.filter((line) => line.msg === 'bronze commit failed; messages not acked').length).toBeLessThanOrEqual(2)
      expect(publishers.refusals).toBeGreaterThan(0)
    },
    90_000,
  )
})
