import type { Config } from '../config/schema.js'
import type { syncDimensions } from '../silver/dims/sync-dimensions.js'
import { runInWorker } from '../util/run-in-worker.js'

type PullOutcome = Awaited<ReturnType<typeof syncDimensions>>[number]

/** The scheduled pull of dimensions, on its own thread; fails (for status) if any dimension failed. */
export async function syncDimensionsJob(config: Readonly<Config>): Promise<PullOutcome[]> {
  const outcomes = await runInWorker<PullOutcome[]>('dims-sync.worker', import.meta.url, config)
  const failed = outcomes.filter((outcome) => outcome.status === 'failed')
  if (failed.length > 0) throw new Error(failed.map((outcome) => `${outcome.dimension}: ${outcome.error}`).join('; '))
  return outcomes.map(({ summary, ...outcome }) => ({
    ...outcome,
    ...(summary ? { changes: { inserted: summary.inserted, changed: summary.changed, reenriched: summary.reenriched } } : {}),
  }))
}
