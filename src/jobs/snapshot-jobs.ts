import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import type { SqliteDatabase } from '../db/open.js'
import { GOLD_BACKFILLING_SQL } from '../gold/gold-status.js'
import type { Scheduler } from '../scheduler/scheduler.js'
import { runInWorker } from '../util/run-in-worker.js'
import { serialized } from '../util/serialized.js'
import type { Outbox } from '../delivery/outbox.js'
import { daysToRemake } from '../snapshot/days-to-remake.js'
import type { UploadTarget } from '../delivery/targets/upload-target.js'

const BACKFILL_POLL_MS = 1000

export interface SnapshotJobsDeps {
  config: Readonly<Config>
  /** gateway.db (gold attached): whether snapshots wait to be made again at start. */
  db: SqliteDatabase
  /** Under the reserve no snapshot is written (the space is the sales'). */
  disk: { readonly low: boolean }
  scheduler: Scheduler
  outbox: Outbox
  targets: readonly UploadTarget[]
  logger: Logger
}

export interface SnapshotJobs {
  /** A reloaded config: its snapshot settings and upload target from the next run on. */
  reconfigure(config: Readonly<Config>, targets: readonly UploadTarget[]): void
  stop(): void
}

/**
 * The `snapshot` job (Parquet on a worker thread, then an upload of what it made) and the `upload`
 * job (the outbox's due snapshots). One upload runs at a time, so the same snapshot is never PUT
 * twice at once.
 */
export function addSnapshotJobs(deps: SnapshotJobsDeps): SnapshotJobs {
  const { db, scheduler, outbox, disk, logger } = deps
  let { config, targets } = deps
  const retarget = (): void => {
    const { queued, abandoned } = outbox.retarget(targets.map((target) => target.name))
    if (queued + abandoned > 0)
      logger.warn({ queued, abandoned, targets: targets.map((target) => target.name) }, 'the upload target changed: undelivered snapshots follow it')
  }
  retarget()
  const shipOnce = async (): Promise<unknown> => {
    const outcome = await outbox.shipDue(targets)
    if (outcome.failed.length > 0)
      throw new Error(`shipped ${outcome.shipped.length}; ${outcome.failed.map((f) => `${f.snapshotId} to ${f.target}: ${f.error}`).join('; ')}`)
    return { shipped: outcome.shipped.length, backlog: outbox.backlog().pending }
  }
  const ship = serialized(shipOnce)
  const addUploadJob = (): void => {
    if (targets.length > 0) scheduler.add({ name: 'upload', cron: config.schedule.upload, run: ship })
  }
  scheduler.add({
    name: 'snapshot',
    cron: config.schedule.snapshot,
    run: async () => {
      if (disk.low) throw new Error('the disk is full (under storage.reserveMiB): no snapshot written; the next run tries again')
      const summary = await runInWorker<{ created: string[] }>('snapshot.worker', import.meta.url, config)
      // Queued here, with the targets as configured now (a reload may have changed them during the run).
      outbox.enqueueNew(targets.map((target) => target.name))
      if (targets.length > 0 && summary.created.length > 0) await ship().catch(() => {}) // the upload job reports
      return summary
    },
  })
  addUploadJob()
  const jobs: SnapshotJobs = {
    reconfigure(next, nextTargets) {
      config = next
      targets = nextTargets
      retarget()
      scheduler.remove('upload')
      addUploadJob()
    },
    stop: () => {},
  }
  // After an upgrade of the snapshot format (or a damaged file): the days are made again now, not
  // at the next hourly run, so that the outbox ships the new format rather than the old. When the
  // upgrade also added a gold table, that is once gold's backfill has recomputed the days.
  const backfilling = db.prepare(`SELECT ${GOLD_BACKFILLING_SQL}`).pluck()
  const remakeWhenReady = (): boolean => {
    if (backfilling.get() === 1) return false
    if (daysToRemake(db, 1).length > 0) {
      logger.info('snapshots of an older format (or damaged) wait to be made again: running the snapshot job now')
      void scheduler.runNow('snapshot').catch((error: Error) => logger.warn({ err: error.message }, 'snapshot run at start failed; the schedule retries'))
    }
    return true
  }
  if (remakeWhenReady()) return jobs
  const poll = setInterval(() => {
    if (remakeWhenReady()) clearInterval(poll)
  }, BACKFILL_POLL_MS)
  poll.unref()
  return { ...jobs, stop: () => clearInterval(poll) }
}
