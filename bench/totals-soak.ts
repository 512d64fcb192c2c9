import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { databaseFile } from '../src/db/open.js'
import { BronzeHistory, percentile } from './lib/bronze-history.js'
import { scrapeStages, totalsSalesCount, utcDatesSince } from './lib/daemon-http.js'
import { runGenerator } from './lib/generator.js'
import { sampleEvery } from './lib/sample-every.js'
import { BENCH_STAFF_TOKEN, startMedallion } from './lib/targets.js'

const SAMPLE_MS = 500

export interface TotalsSoak {
  seconds: number
  ratePerS: number
  ackedPerS: number
  ackP99Ms: number | null
  samples: number
  failedSamples: number
  /** Freshness of the staff totals: a sample's time minus when bronze first held a sale the totals do not count yet, seconds. */
  freshnessP50S: number
  freshnessP99S: number
  freshnessMaxS: number
  /** Largest silver.db and silver.db-wal seen during the soak, bytes. */
  silverDbMaxBytes: number
  silverWalMaxBytes: number
}

function fileBytes(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0 // a WAL checkpointed away, or not made yet
  }
}

/**
 * The staff totals' freshness under a steady load: the FULL daemon on an empty data dir, its 8
 * registered devices publishing `ratePerS` sales a second (all today, one store) for `seconds`,
 * while every SAMPLE_MS the bench reads bronze's count (/metrics) and the totals' sales count
 * (GET /api/v1/totals) at once, and the sizes of silver.db and its WAL.
 */
export async function soakTotals(dataDir: string, seconds: number, ratePerS: number, log: (line: string) => void): Promise<TotalsSoak> {
  const target = await startMedallion({ dataDir, synchronous: 'FULL', connections: 8, staffToken: BENCH_STAFF_TOKEN, name: 'totals soak' })
  const startedMs = Date.now()
  const history = new BronzeHistory()
  const freshness: number[] = []
  let loadFromMs = Number.POSITIVE_INFINITY
  let silverDbMaxBytes = 0
  let silverWalMaxBytes = 0
  const silverDb = databaseFile(dataDir, 'silver')
  try {
    const sampler = sampleEvery(SAMPLE_MS, async (timeMs) => {
      const [stages, totals] = await Promise.all([scrapeStages(target), totalsSalesCount(target, utcDatesSince(startedMs))])
      history.record(timeMs, stages.bronze)
      if (timeMs >= loadFromMs) freshness.push(history.lagS(timeMs, totals))
      silverDbMaxBytes = Math.max(silverDbMaxBytes, fileBytes(silverDb))
      silverWalMaxBytes = Math.max(silverWalMaxBytes, fileBytes(`${silverDb}-wal`))
    })
    await sampler.first
    loadFromMs = performance.now()
    let lastLog = performance.now()
    const progress = setInterval(() => {
      if (performance.now() - lastLog < 60_000) return
      lastLog = performance.now()
      log(`  soak: ${Math.round((lastLog - loadFromMs) / 1000)} s, bronze ${history.latest}, freshness max so far ${Math.max(0, ...freshness).toFixed(2)} s`)
    }, 5000)
    const result = await runGenerator({ port: target.port, connections: target.connections, window: 100, durationS: seconds, warmupS: 1, ratePerS })
    clearInterval(progress)
    const { failed, firstError } = await sampler.stop()
    if (result.errors.length > 0) throw new Error(`totals soak: ${result.errors.join('; ')}`)
    const soak: TotalsSoak = {
      seconds,
      ratePerS,
      ackedPerS: result.ackedPerS,
      ackP99Ms: result.ackP99Ms,
      samples: freshness.length,
      failedSamples: failed,
      freshnessP50S: percentile(freshness, 0.5),
      freshnessP99S: percentile(freshness, 0.99),
      freshnessMaxS: Math.max(0, ...freshness),
      silverDbMaxBytes,
      silverWalMaxBytes,
    }
    log(
      `  totals soak ${seconds} s at ${ratePerS} msg/s (${soak.ackedPerS} acked/s): freshness p50 ${soak.freshnessP50S.toFixed(2)} s, p99 ${soak.freshnessP99S.toFixed(2)} s, ` +
        `max ${soak.freshnessMaxS.toFixed(2)} s over ${soak.samples} samples${failed > 0 ? ` (${failed} failed: ${firstError})` : ''}; ` +
        `silver.db max ${(silverDbMaxBytes / 1048576).toFixed(1)} MiB, -wal max ${(silverWalMaxBytes / 1048576).toFixed(1)} MiB`,
    )
    return soak
  } finally {
    await target.stop()
    rmSync(join(dataDir, '..'), { recursive: true, force: true })
  }
}
