import type { Config } from '../config/schema.js'
import type { GoldThread } from '../pipeline/gold-thread.js'
import type { RetentionOutcome } from '../retention/retention.js'
import type { Scheduler } from '../scheduler/scheduler.js'
import { syncDimensionsJob } from './dims-sync-job.js'
import { addSnapshotJobs, type SnapshotJobs, type SnapshotJobsDeps } from './snapshot-jobs.js'
import { runInWorker } from '../util/run-in-worker.js'

/** Which job each `schedule` key times: a reload reschedules the job its key names. */
const SCHEDULED_JOBS = [
  ['goldRefresh', 'gold-refresh'],
  ['dimsSync', 'dims-sync'],
  ['snapshot', 'snapshot'],
  ['upload', 'upload'],
  ['retention', 'retention'],
] as const

export interface JobsDeps extends SnapshotJobsDeps {
  gold: GoldThread
  /** The config as last reloaded: retention runs with its current horizons. */
  live: () => Readonly<Config>
}

/**
 * Every scheduled job of the daemon, registered in one place (docs/scheduler.md): the gold
 * refresh, the dims pull (when `dims.url` is set), retention, and the snapshot and upload jobs.
 * Returns the snapshot jobs, which a reload reconfigures.
 */
export function registerJobs(deps: JobsDeps): SnapshotJobs {
  const { config, scheduler, gold, live } = deps
  scheduler.add({ name: 'gold-refresh', cron: config.schedule.goldRefresh, run: () => gold.refreshNow() })
  if (config.dims.url) scheduler.add({ name: 'dims-sync', cron: config.schedule.dimsSync, run: () => syncDimensionsJob(config) })
  scheduler.add({
    name: 'retention',
    cron: config.schedule.retention,
    run: () => runInWorker<RetentionOutcome>('retention.worker', import.meta.url, live()),
  })
  return addSnapshotJobs(deps)
}

/** A reloaded config's schedules, applied to the jobs that are registered. */
export function rescheduleJobs(scheduler: Scheduler, next: Readonly<Config>, changed: (key: string) => boolean): void {
  for (const [key, job] of SCHEDULED_JOBS) {
    if (changed(`schedule.${key}`) && scheduler.has(job)) scheduler.reschedule(job, next.schedule[key])
  }
}
