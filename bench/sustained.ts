import { benchDataDir } from './lib/data-dir.js'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { BronzeHistory } from './lib/bronze-history.js'
import { scrapeStages, totalsSalesCount, utcDatesSince } from './lib/daemon-http.js'
import { runGenerator } from './lib/generator.js'
import { cpuSeconds } from './lib/proc.js'
import { sampleEvery } from './lib/sample-every.js'
import { BENCH_STAFF_TOKEN, startDurableCapture, startMedallion, type Concentrator, type Target } from './lib/targets.js'

/** Silver may be this far behind bronze, and the staff totals this far behind the acks, at a sustained rate [issue 24]. */
export const LAG_LIMIT_S = 5
/** A rate is sustained only if the daemon also acks what is offered (within this share). */
const ACKED_SHARE = 0.97
/** The search's steps per load shape, at most. */
const MAX_STEPS = 4
/** The search stops once the rate that did not hold is within this factor of the one that did. */
const CLOSE_ENOUGH = 1.12
const BURST_S = 10
/** Longest wait for silver and the totals after the burst. */
const CATCH_UP_LIMIT_S = 180
/** Seconds between the points of a step's lag series in the report (the samples are every second). */
export const SERIES_EVERY_S = 10

/** One second's sample of a step: how far silver and the staff totals were behind the acks. */
export interface LagSample {
  /** Seconds since the step's load started. */
  atS: number
  silverLagS: number
  totalsLagS: number
}

export interface SustainedStep {
  ratePerS: number
  durationS: number
  ackedPerS: number
  ackP99Ms: number | null
  /** Sales silver enriched per second over the step. */
  silverPerS: number
  maxSilverLagS: number
  maxTotalsLagS: number
  series: LagSample[]
  /** The daemon's CPU (all its threads) per acked sale over the step, microseconds. */
  cpuUsPerSale: number
  held: boolean
  /** Scrapes of /metrics or the totals that failed (timed out) during the step. */
  failedScrapes: number
}

export interface ShapeSearch {
  shape: 'device fleet' | 'concentrator'
  steps: SustainedStep[]
  /** The highest step that held, and the lowest that did not (either may be missing). */
  held: SustainedStep | undefined
  notHeld: SustainedStep | undefined
}

export interface BurstResult {
  durationS: number
  ackedPerS: number
  sales: number
  /** Silver's lag behind bronze when the burst stopped, seconds. */
  lagAtStopS: number
  /** From the burst's end until silver held every sale bronze held; null: not within CATCH_UP_LIMIT_S. */
  silverCaughtUpS: number | null
  /** From the burst's end until GET /api/v1/totals counted every sale bronze held; null: not within CATCH_UP_LIMIT_S. */
  totalsFreshS: number | null
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A fresh FULL daemon and data dir for one run: a step does not inherit the day (and gold's work) of the one before. */
async function onFreshDaemon<T>(
  workDir: string,
  name: string,
  concentrator: Concentrator | undefined,
  run: (target: Target, startedMs: number) => Promise<T>,
): Promise<T> {
  const startedMs = Date.now()
  const target = await startMedallion({
    dataDir: benchDataDir(workDir, 'sustained', name, 'data'),
    synchronous: 'FULL',
    connections: 8,
    staffToken: BENCH_STAFF_TOKEN,
    name,
    ...(concentrator ? { concentrator } : {}),
  })
  try {
    return await run(target, startedMs)
  } finally {
    await target.stop()
    rmSync(join(workDir, 'sustained', name), { recursive: true, force: true })
  }
}

/**
 * Drives the daemon at `ratePerS` for `durationS` while reading, once a second, bronze's and
 * silver's counts (/metrics) and the staff totals' count (GET /api/v1/totals). A stage's lag at a
 * sample is the age of the oldest acked sale it does not count yet (BronzeHistory: bronze counts
 * a sale once it is committed, which is when it is acked). The step holds if the daemon acked
 * what was offered and neither lag passed LAG_LIMIT_S at any sample.
 */
async function runStep(target: Target, startedMs: number, ratePerS: number, durationS: number): Promise<SustainedStep> {
  const history = new BronzeHistory()
  const series: LagSample[] = []
  const silverCounts: [number, number][] = []
  let loadStartMs = Number.NaN
  const sampler = sampleEvery(1000, async (timeMs) => {
    const stages = await scrapeStages(target)
    const totals = await totalsSalesCount(target, utcDatesSince(startedMs))
    history.record(timeMs, stages.bronze)
    silverCounts.push([timeMs, stages.silver])
    if (!Number.isNaN(loadStartMs)) {
      series.push({ atS: (timeMs - loadStartMs) / 1000, silverLagS: history.lagS(timeMs, stages.silver), totalsLagS: history.lagS(timeMs, totals) })
    }
  })
  await sampler.first
  const cpuBefore = cpuSeconds(target.pid)
  const bronzeBefore = history.latest
  loadStartMs = performance.now()
  const result = await runGenerator({ port: target.port, connections: target.connections, window: 100, durationS, warmupS: 2, ratePerS })
  const { failed } = await sampler.stop()
  const cpuS = cpuSeconds(target.pid) - cpuBefore
  if (result.errors.length > 0) throw new Error(`${target.name}: ${result.errors.join('; ')}`)
  // Every sale the load sent, counted after it (the CPU above ran to its end).
  const sales = (await scrapeStages(target)).bronze - bronzeBefore
  const [first, last] = [silverCounts.find(([t]) => t >= loadStartMs), silverCounts.at(-1)]
  const silverPerS = first && last && last[0] > first[0] ? ((last[1] - first[1]) * 1000) / (last[0] - first[0]) : 0
  const maxSilverLagS = Math.max(0, ...series.map((s) => s.silverLagS))
  const maxTotalsLagS = Math.max(0, ...series.map((s) => s.totalsLagS))
  return {
    ratePerS,
    durationS,
    ackedPerS: result.ackedPerS,
    ackP99Ms: result.ackP99Ms,
    silverPerS: Math.round(silverPerS),
    maxSilverLagS,
    maxTotalsLagS,
    series,
    cpuUsPerSale: sales > 0 ? (cpuS * 1e6) / sales : Number.NaN,
    // A sample that failed (the daemon too busy to answer) is a second not judged: such a step does not hold.
    held: result.ackedPerS >= ACKED_SHARE * ratePerS && maxSilverLagS <= LAG_LIMIT_S && maxTotalsLagS <= LAG_LIMIT_S && failed === 0,
    failedScrapes: failed,
  }
}

export function describeStep(step: SustainedStep): string {
  return (
    `${Math.round(step.ratePerS)} msg/s for ${step.durationS} s: ${step.ackedPerS} acked/s, ack p99 ${step.ackP99Ms} ms, silver ${step.silverPerS}/s, ` +
    `lag max silver ${step.maxSilverLagS.toFixed(2)} s, totals ${step.maxTotalsLagS.toFixed(2)} s, ${step.cpuUsPerSale.toFixed(1)} CPU us/sale` +
    (step.failedScrapes > 0 ? `, ${step.failedScrapes} samples failed` : '') +
    ` -> ${step.held ? 'held' : 'not held'}`
  )
}

/**
 * The next rate after `last`: with a bracket (a rate that held, one that did not), its middle;
 * above every rate that held so far, a quarter more; below every one that did not, at least a
 * fifth lower, and lower still if the slower of what silver and the acks kept up with in it (what
 * the daemon can do at about that load) is lower (a step without silver's figure: a fifth lower).
 */
function nextRate(held: number | undefined, notHeld: number | undefined, last: SustainedStep): number {
  if (held !== undefined && notHeld !== undefined) return (held + notHeld) / 2
  if (last.held) return last.ratePerS * 1.25
  const keptUp = Math.min(last.silverPerS, last.ackedPerS)
  return keptUp > 0 ? Math.min(0.8 * last.ratePerS, 0.95 * keptUp) : 0.8 * last.ratePerS
}

/**
 * Searches the highest rate the whole pipeline sustains in one load shape: steps of `stepS`
 * seconds, each on a fresh daemon, from `startPerS`, until a step that held and one that did not
 * are within CLOSE_ENOUGH of each other, or MAX_STEPS.
 */
export async function searchSustained(
  workDir: string,
  shape: ShapeSearch['shape'],
  concentrator: Concentrator | undefined,
  startPerS: number,
  stepS: number,
  log: (line: string) => void,
): Promise<ShapeSearch> {
  const steps: SustainedStep[] = []
  let held: SustainedStep | undefined
  let notHeld: SustainedStep | undefined
  let rate = startPerS
  for (let i = 1; i <= MAX_STEPS; i++) {
    const step = await onFreshDaemon(workDir, `${shape.replace(' ', '-')}-${i}`, concentrator, (target, startedMs) =>
      runStep(target, startedMs, Math.round(rate), stepS),
    )
    steps.push(step)
    log(`  ${shape} step ${i}: ${describeStep(step)}`)
    if (step.held && (held === undefined || step.ratePerS > held.ratePerS)) held = step
    if (!step.held && (notHeld === undefined || step.ratePerS < notHeld.ratePerS)) notHeld = step
    if (held && notHeld && notHeld.ratePerS <= CLOSE_ENOUGH * held.ratePerS) break
    rate = nextRate(held?.ratePerS, notHeld?.ratePerS, step)
  }
  return { shape, steps, held, notHeld }
}

/** The simplest durable capture's CPU per acked sale at `ratePerS` (the same paced load, its one process). */
export async function durableCaptureCpuPerSale(workDir: string, concentrator: Concentrator | undefined, ratePerS: number, durationS: number): Promise<number> {
  const dataDir = benchDataDir(workDir, 'sustained', 'capture', 'data')
  const target = await startDurableCapture(dataDir, 8, concentrator)
  try {
    const cpuBefore = cpuSeconds(target.pid)
    const result = await runGenerator({ port: target.port, connections: target.connections, window: 100, durationS, warmupS: 0, ratePerS })
    if (result.errors.length > 0) throw new Error(`durable capture: ${result.errors.join('; ')}`)
    return ((cpuSeconds(target.pid) - cpuBefore) * 1e6) / (result.ackedPerS * result.measuredS)
  } finally {
    await target.stop()
    rmSync(join(workDir, 'sustained', 'capture'), { recursive: true, force: true })
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

/** A BURST_S burst at full speed on a fresh daemon, and how long silver and the staff totals take to hold every sale again by themselves. */
export function benchBurst(workDir: string, log: (line: string) => void): Promise<BurstResult> {
  return onFreshDaemon(workDir, 'burst', undefined, async (target, startedMs): Promise<BurstResult> => {
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
    const burst = {
      durationS: BURST_S,
      ackedPerS: result.ackedPerS,
      sales: after.bronze - bronzeBefore,
      lagAtStopS,
      silverCaughtUpS: caughtUp.silverS,
      totalsFreshS: caughtUp.totalsS,
    }
    log(
      `  burst: ${burst.ackedPerS} acked/s for ${BURST_S} s (${burst.sales} sales), silver ${burst.lagAtStopS.toFixed(1)} s behind at the end; ` +
        `silver caught up ${burst.silverCaughtUpS?.toFixed(2) ?? 'not within ' + CATCH_UP_LIMIT_S} s and totals fresh ${burst.totalsFreshS?.toFixed(2) ?? 'not within ' + CATCH_UP_LIMIT_S} s after it`,
    )
    return burst
  })
}
