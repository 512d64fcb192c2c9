import { benchDataDir } from './lib/data-dir.js'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { BronzeHistory } from './lib/bronze-history.js'
import { scrapeStages, totalsSalesCount, utcDatesSince } from './lib/daemon-http.js'
import { runGenerator } from './lib/generator.js'
import { sampleEvery } from './lib/sample-every.js'
import { BENCH_STAFF_TOKEN, startMedallion, type Target } from './lib/targets.js'

/** Silver may be this far behind bronze at a sustained rate [the benchmark's definition]. */
export const SILVER_LAG_LIMIT_S = 5
/** A rate is sustained only if the daemon also acks what is offered (within this share). */
const ACKED_SHARE = 0.97
const PROBES = 3
const PROBE_S = 15
const BURST_S = 10
/** A run's trends (lag, silver's rate) are fitted from this many seconds after it starts. */
const TREND_FROM_S = 3
/** Longest wait for silver and the totals after the burst. */
const CATCH_UP_LIMIT_S = 180

export interface LagRun {
  ratePerS: number
  durationS: number
  ackedPerS: number
  ackP99Ms: number | null
  /** Silver's largest lag behind bronze seen during the run, seconds. */
  maxLagS: number
  /** What the lag would reach by the end of a full-length run at the run's trend (= maxLagS for a full-length run). */
  projectedLagS: number
  /** Sales silver enriched per second, after the run's first TREND_FROM_S seconds. */
  silverPerS: number
  sustained: boolean
  /** Scrapes of /metrics that failed (timed out) during the run. */
  failedScrapes: number
}

export interface BurstResult {
  durationS: number
  ackedPerS: number
  /** Sales bronze stored during the burst. */
  sales: number
  /** Silver's lag behind bronze when the burst stopped, seconds. */
  lagAtStopS: number
  /** From the burst's end until silver held every sale bronze held; null: not within CATCH_UP_LIMIT_S. */
  silverCaughtUpS: number | null
  /** From the burst's end until GET /api/v1/totals counted every sale bronze held; null: not within CATCH_UP_LIMIT_S. */
  totalsFreshS: number | null
}

export interface SustainedBench {
  peakPerS: number
  sustainedS: number
  probeS: number
  probes: LagRun[]
  /** The full-length run(s) at the candidate rate (a second one, lower, if the first failed). */
  confirms: LagRun[]
  /** The highest rate confirmed over sustainedS, or null if none was. */
  ratePerS: number | null
  burst: BurstResult
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Least-squares slope of y over x; 0 with fewer than 2 points. */
function slope(points: readonly [number, number][]): number {
  if (points.length < 2) return 0
  const mx = points.reduce((sum, [x]) => sum + x, 0) / points.length
  const my = points.reduce((sum, [, y]) => sum + y, 0) / points.length
  let num = 0
  let den = 0
  for (const [x, y] of points) {
    num += (x - mx) * (y - my)
    den += (x - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

/**
 * Drives the daemon at `ratePerS` for `durationS` while scraping /metrics once a second, and
 * judges silver's lag behind bronze against SILVER_LAG_LIMIT_S over `fullS` seconds: a probe
 * shorter than that is projected to its end from its trend (least squares after its first
 * TREND_FROM_S seconds), because silver slower than ingest by a few percent only shows after a minute.
 */
async function runWithLag(target: Target, ratePerS: number, durationS: number, fullS: number): Promise<LagRun> {
  const history = new BronzeHistory()
  const lags: [number, number][] = []
  const silver: [number, number][] = []
  const sampler = sampleEvery(1000, async (timeMs) => {
    const stages = await scrapeStages(target)
    history.record(timeMs, stages.bronze)
    lags.push([timeMs / 1000, history.lagS(timeMs, stages.silver)])
    silver.push([timeMs / 1000, stages.silver])
  })
  await sampler.first
  const startS = performance.now() / 1000
  const result = await runGenerator({ port: target.port, connections: target.connections, window: 100, durationS, warmupS: 2, ratePerS })
  const { failed } = await sampler.stop()
  if (result.errors.length > 0) throw new Error(`${target.name}: ${result.errors.join('; ')}`)
  const maxLagS = Math.max(0, ...lags.map(([, lag]) => lag))
  // The trend after the generator's start (its process takes ~1 s to start publishing): a
  // second-half-only fit (7 points) extrapolated one silver pause over the minute.
  const loaded = (points: [number, number][]): [number, number][] => points.filter(([t]) => t >= startS + TREND_FROM_S)
  const endLagS = lags.at(-1)?.[1] ?? 0
  const projectedLagS = Math.max(maxLagS, endLagS + Math.max(0, slope(loaded(lags))) * Math.max(0, fullS - durationS))
  const sustained = result.ackedPerS >= ACKED_SHARE * ratePerS && projectedLagS <= SILVER_LAG_LIMIT_S
  return {
    ratePerS,
    durationS,
    ackedPerS: result.ackedPerS,
    ackP99Ms: result.ackP99Ms,
    maxLagS,
    projectedLagS,
    silverPerS: Math.round(slope(loaded(silver))),
    sustained,
    failedScrapes: failed,
  }
}

/** Waits until silver and the staff totals hold every sale bronze holds; seconds from `fromMs` to each (null: not within the limit). */
async function waitCaughtUp(target: Target, sinceMs: number, fromMs: number, everyMs: number): Promise<{ silverS: number | null; totalsS: number | null }> {
  let silverS: number | null = null
  let totalsS: number | null = null
  const deadline = fromMs + CATCH_UP_LIMIT_S * 1000
  while ((silverS === null || totalsS === null) && performance.now() < deadline) {
    const at = performance.now()
    try {
      const stages = await scrapeStages(target)
      if (silverS === null && stages.silver >= stages.bronze) silverS = (at - fromMs) / 1000
      if (totalsS === null && (await totalsSalesCount(target, utcDatesSince(sinceMs))) >= stages.bronze) totalsS = (at - fromMs) / 1000
    } catch {
      // a scrape timed out: the daemon is busy; try again
    }
    await sleep(Math.max(0, at + everyMs - performance.now()))
  }
  return { silverS, totalsS }
}

function describe(run: LagRun): string {
  return (
    `${Math.round(run.ratePerS)} msg/s for ${run.durationS} s: ${run.ackedPerS} acked/s, ack p99 ${run.ackP99Ms} ms, silver ${run.silverPerS}/s, lag max ${run.maxLagS.toFixed(2)} s` +
    (run.projectedLagS > run.maxLagS ? ` (projected ${run.projectedLagS.toFixed(2)} s)` : '') +
    (run.failedScrapes > 0 ? `, ${run.failedScrapes} scrapes failed` : '') +
    ` -> ${run.sustained ? 'sustained' : 'not sustained'}`
  )
}

/**
 * The next rate to try, inside the bracket (good, bad): after a run silver could not keep up with,
 * a little under what silver (or the acks) did keep up with in it, which is what silver can do at
 * about that load; otherwise, or when that falls outside the bracket, its middle. Guided by the
 * failed run, three probes land within a few percent, where plain bisection needs five or more.
 */
function nextRate(good: number, bad: number, last: LagRun): number {
  const middle = (good + bad) / 2
  if (last.sustained) return middle
  const guess = 0.95 * Math.min(last.silverPerS, last.ackedPerS)
  return guess > good * 1.02 && guess < bad * 0.98 ? guess : middle
}

/**
 * The highest rate at which silver stays within SILVER_LAG_LIMIT_S of bronze for `sustainedS`
 * seconds, through the FULL daemon with registered devices: PROBES short probes (PROBE_S each, a
 * fresh daemon each) from half of `peakPerS`, each next rate from nextRate(), then the best
 * sustained one confirmed by a full-length run (and once more, lower, if that fails). Then, on a
 * fresh daemon: a BURST_S burst at full speed, and how long silver and the staff totals take to
 * hold every sale again by themselves.
 */
export async function benchSustained(workDir: string, peakPerS: number, sustainedS: number, log: (line: string) => void): Promise<SustainedBench> {
  // Each run on a fresh daemon and data dir: a run does not inherit the day (and gold's work) of the one before.
  const onFreshDaemon = async <T>(name: string, run: (target: Target, startedMs: number) => Promise<T>): Promise<T> => {
    const startedMs = Date.now()
    const target = await startMedallion({
      dataDir: benchDataDir(workDir, 'sustained', name, 'data'),
      synchronous: 'FULL',
      connections: 8,
      staffToken: BENCH_STAFF_TOKEN,
      name,
    })
    try {
      return await run(target, startedMs)
    } finally {
      await target.stop()
      rmSync(join(workDir, 'sustained', name), { recursive: true, force: true })
    }
  }

  const probes: LagRun[] = []
  let good = 0
  let bad = peakPerS
  let rate = peakPerS / 2
  for (let i = 1; i <= PROBES; i++) {
    const run = await onFreshDaemon(`probe-${i}`, (target) => runWithLag(target, Math.round(rate), PROBE_S, sustainedS))
    probes.push(run)
    log(`  probe ${i}: ${describe(run)}`)
    if (run.sustained) good = Math.max(good, run.ratePerS)
    else bad = Math.min(bad, run.ratePerS)
    rate = nextRate(good, bad, run)
  }

  const confirms: LagRun[] = []
  let ratePerS: number | null = null
  // With no probe sustained, the rate the last one suggests.
  let candidate = Math.round(good > 0 ? good : rate)
  for (let attempt = 1; attempt <= 2 && ratePerS === null; attempt++) {
    const run = await onFreshDaemon(`confirm-${attempt}`, (target) => runWithLag(target, candidate, sustainedS, sustainedS))
    confirms.push(run)
    log(`  confirm: ${describe(run)}`)
    if (run.sustained) ratePerS = candidate
    else candidate = Math.round(Math.min(0.9 * candidate, 0.95 * run.silverPerS))
  }

  const burst = await onFreshDaemon('burst', async (target, startedMs): Promise<BurstResult> => {
    const history = new BronzeHistory()
    const sampler = sampleEvery(1000, async (timeMs) => history.record(timeMs, (await scrapeStages(target)).bronze))
    await sampler.first
    const bronzeBefore = history.latest
    const result = await runGenerator({ port: target.port, connections: target.connections, window: 100, durationS: BURST_S, warmupS: 0, ratePerS: 0 })
    const stoppedMs = performance.now()
    await sampler.stop()
    if (result.errors.length > 0) throw new Error(`burst: ${result.errors.join('; ')}`)
    const atStop = await scrapeStages(target)
    history.record(stoppedMs, atStop.bronze)
    const lagAtStopS = history.lagS(stoppedMs, atStop.silver)
    const caughtUp = await waitCaughtUp(target, startedMs, stoppedMs, 250)
    const after = await scrapeStages(target)
    return {
      durationS: BURST_S,
      ackedPerS: result.ackedPerS,
      sales: after.bronze - bronzeBefore,
      lagAtStopS,
      silverCaughtUpS: caughtUp.silverS,
      totalsFreshS: caughtUp.totalsS,
    }
  })
  log(
    `  burst: ${burst.ackedPerS} acked/s for ${BURST_S} s (${burst.sales} sales), silver ${burst.lagAtStopS.toFixed(1)} s behind at the end; ` +
      `silver caught up ${burst.silverCaughtUpS?.toFixed(2) ?? 'not within ' + CATCH_UP_LIMIT_S} s and totals fresh ${burst.totalsFreshS?.toFixed(2) ?? 'not within ' + CATCH_UP_LIMIT_S} s after it`,
  )
  return { peakPerS, sustainedS, probeS: PROBE_S, probes, confirms, ratePerS, burst }
}
