import { measure } from './ingest.js'
import { startMosquitto, type Concentrator } from './lib/targets.js'
import {
  benchBurst,
  durableCaptureCpuPerSale,
  LAG_LIMIT_S,
  searchSustained,
  SERIES_EVERY_S,
  type LagSample,
  type ShapeSearch,
  type SustainedStep,
} from './sustained.js'

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const ratio = (a: number, b: number): string => (a / b).toFixed(2)
/** Issue 24's target: the sustained rate against mosquitto with TCP_NODELAY's peak, same load shape, same run. */
const TARGET_RATIO = 0.6
/** The concentrator shape: 8 anonymous connections publishing for this many unregistered devices in turn. */
const CONCENTRATOR: Concentrator = { devices: 1000 }
const ANCHOR_S = 10
const CAPTURE_CPU_S = 20

function stepRow(step: SustainedStep): string {
  return (
    `| ${fmt(step.ratePerS)} | ${fmt(step.ackedPerS)} | ${step.ackP99Ms ?? ''} | ${fmt(step.silverPerS)} | ${step.maxSilverLagS.toFixed(2)} | ` +
    `${step.maxTotalsLagS.toFixed(2)} | ${step.cpuUsPerSale.toFixed(1)} | ${step.failedScrapes} | ${step.held ? 'yes' : 'no'} |`
  )
}

/** A step's lags, the first sample of every SERIES_EVERY_S seconds: `t s: silver/totals`. */
function series(step: SustainedStep): string {
  const points: LagSample[] = []
  for (const sample of step.series) if (sample.atS >= points.length * SERIES_EVERY_S) points.push(sample)
  return points.map((s) => `${s.atS.toFixed(0)} s: ${s.silverLagS.toFixed(1)}/${s.totalsLagS.toFixed(1)}`).join(', ')
}

/**
 * `npm run bench -- sustained`: in each load shape, mosquitto's peak (default and TCP_NODELAY)
 * measured first in the same run, then the search for the highest rate at which, for the whole
 * step, silver stays within LAG_LIMIT_S of bronze and the staff totals within LAG_LIMIT_S of the
 * acks, from TARGET_RATIO x mosquitto (TCP_NODELAY); the daemon's CPU per sale beside the simplest
 * durable capture's at the rate that held; then a burst. Returns the report's markdown.
 */
export async function benchSustained(workDir: string, log: (line: string) => void): Promise<string[]> {
  const stepS = Number(process.env.BENCH_SUSTAINED_S ?? 60)
  const out: string[] = [
    `## Sustained rate: silver within ${LAG_LIMIT_S} s of bronze and the staff totals within ${LAG_LIMIT_S} s of the acks, for ${stepS} s (FULL)`,
    '',
    `Each step on a fresh daemon and data dir; once a second the bench reads bronze's and silver's counts (/metrics) and the staff totals' sales count (GET /api/v1/totals).`,
    `A stage's lag at a sample is the age of the oldest acked sale it does not count yet. A step holds if at least 97% of the offered rate is acked, neither lag passes ${LAG_LIMIT_S} s at any sample and no sample failed.`,
    `The search starts at ${TARGET_RATIO}x mosquitto (TCP_NODELAY) of the same shape (issue 24's target), goes up by a quarter after a step that held and down by at least a fifth after one that did not (to just under what the daemon kept up with, if that is lower), then bisects; at most 4 steps a shape.`,
    '',
  ]
  for (const [shape, concentrator] of [
    ['device fleet', undefined],
    ['concentrator', CONCENTRATOR],
  ] as const) {
    const settings = { workDir, rounds: 1, durationS: ANCHOR_S, warmupS: 2, connections: 8, window: 100 }
    const mosquitto = await measure(() => startMosquitto(workDir, 8, concentrator), settings)
    const nodelay = await measure(() => startMosquitto(workDir, 8, concentrator, true), settings)
    log(`sustained, ${shape}: mosquitto ${mosquitto.result.ackedPerS} msg/s, with TCP_NODELAY ${nodelay.result.ackedPerS} msg/s`)
    const anchor = nodelay.result.ackedPerS
    const search: ShapeSearch = await searchSustained(workDir, shape, concentrator, TARGET_RATIO * anchor, stepS, log)
    const captureCpu = search.held ? await durableCaptureCpuPerSale(workDir, concentrator, search.held.ratePerS, CAPTURE_CPU_S) : undefined
    const describe =
      shape === 'device fleet'
        ? '8 connections, one registered device each'
        : `8 anonymous connections publishing for ${fmt(CONCENTRATOR.devices)} unregistered devices in turn`
    out.push(
      `### ${shape} (${describe})`,
      '',
      `mosquitto's peak on this shape, this run: ${fmt(mosquitto.result.ackedPerS)} msg/s (default), **${fmt(anchor)} msg/s (TCP_NODELAY)**; ${ANCHOR_S} s each.`,
      '',
      '| offered msg/s | acked msg/s | ack p99 ms | silver enriched/s | silver lag max s | totals lag max s | CPU us per sale (all threads) | failed samples | held |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
      ...search.steps.map(stepRow),
      '',
      search.held
        ? `- **held at ${fmt(search.held.ratePerS)} msg/s = ${ratio(search.held.ratePerS, anchor)}x mosquitto (TCP_NODELAY)** (target >= ${TARGET_RATIO}), ${ratio(search.held.ratePerS, mosquitto.result.ackedPerS)}x mosquitto (default)`
        : `- **no step held** (target >= ${TARGET_RATIO}x mosquitto (TCP_NODELAY) = ${fmt(TARGET_RATIO * anchor)} msg/s)`,
      search.notHeld
        ? `- not held at ${fmt(search.notHeld.ratePerS)} msg/s = ${ratio(search.notHeld.ratePerS, anchor)}x`
        : `- every step held; the highest tried is a lower bound`,
      ...(search.held && captureCpu !== undefined
        ? [
            `- CPU per sale at ${fmt(search.held.ratePerS)} msg/s, all threads: medallion-edge **${search.held.cpuUsPerSale.toFixed(1)} us**, the simplest durable capture ${captureCpu.toFixed(1)} us (${CAPTURE_CPU_S} s at the same rate): ${ratio(search.held.cpuUsPerSale, captureCpu)}x`,
          ]
        : []),
      ...[search.held, search.notHeld]
        .filter((step): step is SustainedStep => step !== undefined)
        .map((step) => `- lag over time at ${fmt(step.ratePerS)} msg/s (seconds since the load started: silver/totals, s): ${series(step)}`),
      '',
    )
  }
  const burst = await benchBurst(workDir, log)
  const limit = (s: number | null): string => (s === null ? 'not within 180 s' : `${s.toFixed(2)} s`)
  out.push(
    `- burst (device fleet), on a fresh daemon: full speed for ${burst.durationS} s (${fmt(burst.ackedPerS)} acked/s, ${fmt(burst.sales)} sales; silver ${burst.lagAtStopS.toFixed(1)} s behind when it stopped), then no load: ` +
      `silver caught up with bronze **${limit(burst.silverCaughtUpS)}** and the staff totals counted every sale **${limit(burst.totalsFreshS)}** after the burst`,
    '',
  )
  return out
}
