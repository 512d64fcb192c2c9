import { benchDataDir } from './lib/data-dir.js'
import { rssMiB } from './lib/proc.js'
import { startBareAedes, startMedallion, startMosquitto, type Target } from './lib/targets.js'

const SETTLE_MS = 5000

export interface IdleRss {
  name: string
  rssMiB: number
}

/**
 * Resident memory at rest: each broker started, given SETTLE_MS to finish starting (the daemon's
 * threads open their databases, the first scheduled minute may pass), then read once.
 */
export async function idleRss(workDir: string, log: (line: string) => void): Promise<IdleRss[]> {
  const starts: [string, () => Promise<Target>][] = [
    ['medallion-edge', () => startMedallion({ dataDir: benchDataDir(workDir, 'idle', 'data'), synchronous: 'FULL', connections: 1 })],
    ['bare aedes', () => startBareAedes(1)],
    ['mosquitto', () => startMosquitto(workDir, 1)],
  ]
  const results: IdleRss[] = []
  for (const [name, start] of starts) {
    const target = await start()
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
    results.push({ name, rssMiB: rssMiB(target.pid) })
    log(`  idle ${name}: ${results.at(-1)!.rssMiB.toFixed(0)} MiB`)
    await target.stop()
  }
  return results
}
