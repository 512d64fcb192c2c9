import { benchDataDir } from './lib/data-dir.js'
import { runGenerator } from './lib/generator.js'
import { cpuSeconds, median, sampleRss } from './lib/proc.js'
import { startBareAedes, startDurableCapture, startMedallion, startMosquitto, type Concentrator, type Target } from './lib/targets.js'
import type { PublisherResult } from './load/raw-publisher.js'

export interface IngestRun {
  target: string
  result: PublisherResult
  brokerCpu: number
  peakRssMiB: number
}

export interface IngestSettings {
  workDir: string
  rounds: number
  durationS: number
  warmupS: number
  connections: number
  window: number
}

/** One measured run: start the target, drive it, record throughput, latency, CPU and RSS. */
export async function measure(start: () => Promise<Target>, settings: IngestSettings, ratePerS = 0): Promise<IngestRun> {
  const target = await start()
  try {
    const rss = sampleRss(target.pid)
    const cpuBefore = cpuSeconds(target.pid)
    const wallBefore = performance.now()
    const result = await runGenerator({
      port: target.port,
      connections: target.connections,
      window: settings.window,
      durationS: settings.durationS,
      warmupS: settings.warmupS,
      ratePerS,
    })
    const brokerCpu = (cpuSeconds(target.pid) - cpuBefore) / ((performance.now() - wallBefore) / 1000)
    if (result.errors.length > 0) throw new Error(`${target.name}: ${result.errors.join('; ')}`)
    return { target: target.name, result, brokerCpu, peakRssMiB: rss.stop() }
  } finally {
    await target.stop()
  }
}

export interface IngestComparison {
  runs: IngestRun[]
  medians: Record<string, { ackedPerS: number; p50: number; p99: number; brokerCpu: number; generatorCpu: number; peakRssMiB: number }>
}

function summarize(runs: IngestRun[]): IngestComparison['medians'] {
  const byTarget = new Map<string, IngestRun[]>()
  for (const run of runs) byTarget.set(run.target, [...(byTarget.get(run.target) ?? []), run])
  return Object.fromEntries(
    [...byTarget].map(([name, list]) => [
      name,
      {
        ackedPerS: median(list.map((r) => r.result.ackedPerS)),
        p50: median(list.map((r) => r.result.ackP50Ms ?? Number.NaN)),
        p99: median(list.map((r) => r.result.ackP99Ms ?? Number.NaN)),
        brokerCpu: median(list.map((r) => r.brokerCpu)),
        generatorCpu: median(list.map((r) => r.result.generatorCpu)),
        peakRssMiB: Math.max(...list.map((r) => r.peakRssMiB)),
      },
    ]),
  )
}

/** Runs every target of a round once in turn, `settings.rounds` times, so that drift hits all of them alike. */
async function alternate(
  settings: IngestSettings,
  targetsOf: (round: number) => (() => Promise<Target>)[],
  log: (line: string) => void,
): Promise<IngestComparison> {
  const runs: IngestRun[] = []
  for (let round = 1; round <= settings.rounds; round++) {
    for (const start of targetsOf(round)) {
      const run = await measure(start, settings)
      runs.push(run)
      log(
        `  round ${round} ${run.target}: ${run.result.ackedPerS} msg/s, p99 ${run.result.ackP99Ms} ms, broker CPU ${run.brokerCpu.toFixed(2)}, generator CPU ${run.result.generatorCpu.toFixed(2)}, RSS ${run.peakRssMiB.toFixed(0)} MiB`,
      )
    }
  }
  return { runs, medians: summarize(runs) }
}

/**
 * mosquitto (default, and with TCP_NODELAY) vs bare aedes vs the simplest durable capture vs
 * medallion-edge (FULL and NORMAL fsync), the same generator, the same load (one registered
 * device per connection), alternating target by target in each round: every ratio from one run.
 */
export function compareIngest(settings: IngestSettings, log: (line: string) => void): Promise<IngestComparison> {
  return alternate(
    settings,
    (round) => [
      () => startMosquitto(settings.workDir, settings.connections),
      () => startMosquitto(settings.workDir, settings.connections, undefined, true),
      () => startBareAedes(settings.connections),
      () => startDurableCapture(benchDataDir(settings.workDir, `capture-${round}`, 'data'), settings.connections),
      () => startMedallion({ dataDir: benchDataDir(settings.workDir, `full-${round}`, 'data'), synchronous: 'FULL', connections: settings.connections }),
      () => startMedallion({ dataDir: benchDataDir(settings.workDir, `normal-${round}`, 'data'), synchronous: 'NORMAL', connections: settings.connections }),
    ],
    log,
  )
}

/**
 * The concentrator shape: `settings.connections` anonymous connections publishing for
 * `concentrator.devices` unregistered devices in turn, against mosquitto and bare aedes under the
 * same shape. medallion-edge runs FULL only (the default; NORMAL's difference is measured above).
 */
export function compareConcentrator(settings: IngestSettings, concentrator: Concentrator, log: (line: string) => void): Promise<IngestComparison> {
  return alternate(
    settings,
    (round) => [
      () => startMosquitto(settings.workDir, settings.connections, concentrator),
      () => startBareAedes(settings.connections, concentrator),
      () =>
        startMedallion({
          dataDir: benchDataDir(settings.workDir, `concentrator-${round}`, 'data'),
          synchronous: 'FULL',
          connections: settings.connections,
          concentrator,
        }),
    ],
    log,
  )
}

/**
 * This build against another (`baseline`, a checkout with its own dist/) on the same load, FULL,
 * alternating build by build in each round (the order swapped each round): how a change moved the peak, within one run. The
 * devices are registered with this build's schemas, so the baseline must share them.
 */
export function compareBuilds(settings: IngestSettings, baseline: string, log: (line: string) => void): Promise<IngestComparison> {
  const build = (name: string, root: string | undefined, round: number) => () =>
    startMedallion({ dataDir: benchDataDir(settings.workDir, `${name}-${round}`, 'data'), synchronous: 'FULL', connections: settings.connections, name, root })
  // Which goes first swaps each round, so that neither build always meets a fresh disk.
  return alternate(
    settings,
    (round) =>
      round % 2 === 1
        ? [build('baseline', baseline, round), build('this build', undefined, round)]
        : [build('this build', undefined, round), build('baseline', baseline, round)],
    log,
  )
}
