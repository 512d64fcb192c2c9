import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { expect, vi } from 'vitest'
import { DeviceRegistry, type IssuedDevice } from '../../src/broker/device-registry.js'
import { seededRandom } from '../../src/simulate/random.js'
import { AckedLoad } from './acked-load.js'
import { CLI, startDaemon, writeDaemonConfig, type DaemonProcess } from './daemon.js'
import { caughtUp, expectSoundDataDir, type DataDirFacts } from './data-dir-checks.js'
import { openMigrated } from '../../src/schemas.js'

/**
 * Where a kill -9 lands: in ingest alone, or while a `silver rebuild`, a `gold rebuild` or a
 * `snapshot export` runs next to the daemon (each killed with it), or around a minute boundary,
 * where the scheduled gold catch-up, snapshot and upload jobs run (a cycle of that kind waits for
 * the next minute: for the soak).
 */
export type CrashPoint = 'ingest' | 'silver-rebuild' | 'gold-rebuild' | 'snapshot-export' | 'scheduled-jobs'

export interface CrashCycle {
  point: CrashPoint
  killedAfterMs: number
  ackedSoFar: number
  facts: DataDirFacts
}

/** How long after the crash point starts the kill may come (default 800 ms). */
const KILL_WITHIN_MS: Partial<Record<CrashPoint, number>> = { ingest: 1500, 'scheduled-jobs': 2500 }

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function registerDevices(dataDir: string, count: number): IssuedDevice[] {
  const db = openMigrated(dataDir, { attach: [] })
  try {
    const registry = new DeviceRegistry(db)
    return Array.from({ length: count }, (_, i) => registry.add(`crash-${i}`, 'store_001'))
  } finally {
    db.close()
  }
}

function runCommand(args: string[]): { child: ChildProcess; exited: Promise<unknown> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' })
  return { child, exited: new Promise((resolve) => child.once('exit', resolve)) }
}

/**
 * Cycles of: the daemon under acked load (devices recording every acked event id), a kill -9 at a
 * random moment of a crash point, a restart that catches up, a clean stop, and the checks of
 * `expectSoundDataDir` (every acked sale in bronze once; silver and quarantine account for every
 * bronze sale; gold equals a rebuild; snapshots match their manifests; the directory target holds
 * each shipped snapshot once, with no staged leftovers; integrity_check everywhere).
 */
export async function runCrashCycles(
  workDir: string,
  options: { points: readonly CrashPoint[]; seed: number; onCycle?: (cycle: CrashCycle) => void },
): Promise<CrashCycle[]> {
  const dataDir = join(workDir, 'data')
  const lake = join(workDir, 'lake')
  const config = writeDaemonConfig(workDir, dataDir, {
    upload: { target: 'directory', directory: { path: lake } },
    schedule: { snapshot: '* * * * *', upload: '* * * * *' },
  })
  const devices = registerDevices(dataDir, 3)
  const next = seededRandom(options.seed)
  const acked = new Set<string>()
  const cycles: CrashCycle[] = []
  let daemon: DaemonProcess | undefined
  try {
    for (const [index, point] of options.points.entries()) {
      daemon = await startDaemon(config)
      // A minute-boundary cycle loads only the last seconds before it, as the other cycles do.
      if (point === 'scheduled-jobs') await sleep((60_000 - (Date.now() % 60_000) + 58_500) % 60_000)
      // Each cycle's sales on a day of their own: days stay small, so a snapshot run finishes in
      // well under a second and the scheduled cycles catch snapshots and uploads in flight.
      const day = Date.UTC(2026, 0, 1) + index * 86_400_000
      const load = await AckedLoad.start(daemon.mqttPort, devices, 20, () => new Date(day + Math.floor(next() * 86_400_000)).toISOString())
      await sleep(200 + next() * 300)
      let command: ReturnType<typeof runCommand> | undefined
      if (point === 'silver-rebuild') command = runCommand(['silver', 'rebuild', '--config', config])
      if (point === 'gold-rebuild') command = runCommand(['gold', 'rebuild', '--config', config])
      if (point === 'snapshot-export')
        command = runCommand([
          'snapshot',
          'export',
          '--date',
          new Date(day).toISOString().slice(0, 10),
          '--out',
          join(workDir, `export-${index}`),
          '--config',
          config,
        ])
      if (point === 'scheduled-jobs') await sleep(60_000 - (Date.now() % 60_000))
      const killedAfterMs = Math.round(next() * (KILL_WITHIN_MS[point] ?? 800))
      await sleep(killedAfterMs)
      daemon.child.kill('SIGKILL')
      command?.child.kill('SIGKILL')
      await Promise.all([daemon.exited, command?.exited])
      await load.stop()
      for (const id of load.acked) acked.add(id)

      daemon = await startDaemon(config)
      await vi.waitUntil(() => caughtUp(dataDir), { timeout: 30_000, interval: 100 })
      daemon.child.kill('SIGTERM')
      expect(await daemon.exited, `cycle ${index} (${point}, seed ${options.seed}): clean stop`).toEqual({ code: 0, signal: null })
      daemon = undefined
      const facts = expectSoundDataDir(dataDir, { acked, lake })
      const cycle = { point, killedAfterMs, ackedSoFar: acked.size, facts }
      cycles.push(cycle)
      options.onCycle?.(cycle)
    }
  } finally {
    if (daemon && daemon.child.exitCode === null) {
      daemon.child.kill('SIGKILL')
      await daemon.exited
    }
  }
  return cycles
}
