import type { Logger } from 'pino'
import { errorFields } from '../errors.js'
import type { Config } from '../config/schema.js'
import type { DiskSpace } from '../db/disk-space.js'
import { uploadTargets } from '../delivery/upload-targets.js'
import type { GoldThread } from '../pipeline/gold-thread.js'
import { registerJobs, rescheduleJobs } from '../jobs/jobs.js'
import type { SnapshotJobs } from '../jobs/snapshot-jobs.js'
import { SqliteJobRunStore } from '../scheduler/job-run-store.js'
import { Scheduler, type JobStatus } from '../scheduler/scheduler.js'
import type { Clock } from '../util/clock.js'
import type { Part } from '../util/parts.js'
import type { DataFiles } from './data-files.js'

/** The longest the start waits to remove staged uploads a crash left: a hung network mount must not hold it. */
const STAGED_CLEANUP_MS = 2000

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref())

export interface ScheduledWorkDeps {
  config: Readonly<Config>
  files: DataFiles
  disk: DiskSpace
  gold: GoldThread
  /** The config as last reloaded. */
  live: () => Readonly<Config>
  clock: Clock
  logger: Logger
}

/** The scheduler with every job registered (src/jobs/jobs.ts); a reload reschedules and retargets them. */
export class ScheduledWork implements Part {
  readonly name = 'the scheduler'
  private running: { scheduler: Scheduler; snapshotJobs?: SnapshotJobs } | undefined

  constructor(private readonly deps: ScheduledWorkDeps) {}

  async start(): Promise<void> {
    const { config, files, disk, gold, live, clock, logger } = this.deps
    const scheduler = new Scheduler({
      timeZone: config.timezone,
      clock,
      logger: logger.child({ component: 'scheduler' }),
      store: new SqliteJobRunStore(files.db),
    })
    this.running = { scheduler }
    const targets = uploadTargets(config.upload)
    // A put cut short by a crash left a staged file at the target: removed before any upload
    // (bounded, so that a hung network mount cannot hold the start).
    await Promise.race([
      files.outbox.removeStaged(targets).catch((error: Error) => logger.warn({ err: error.message }, 'could not remove staged uploads a crash left')),
      sleep(STAGED_CLEANUP_MS),
    ])
    this.running.snapshotJobs = registerJobs({
      config,
      db: files.db,
      scheduler,
      outbox: files.outbox,
      targets,
      disk,
      gold,
      live,
      logger: logger.child({ component: 'snapshot' }),
    })
    scheduler.start()
  }

  async stop(): Promise<void> {
    const running = this.running
    this.running = undefined
    running?.snapshotJobs?.stop()
    await running?.scheduler.stop()
  }

  get scheduler(): Scheduler | undefined {
    return this.running?.scheduler
  }

  status(): JobStatus[] {
    return this.running?.scheduler.status() ?? []
  }

  reload(next: Readonly<Config>, changed: (key: string) => boolean): void {
    const running = this.running
    if (!running) return
    if (changed('upload')) {
      try {
        running.snapshotJobs?.reconfigure(next, uploadTargets(next.upload))
      } catch (error) {
        // A CA file that cannot be read: the running target goes on, the operator reads why.
        this.deps.logger.error(errorFields(error), 'upload: the reloaded target is not applied; the running one is kept')
      }
    }
    rescheduleJobs(running.scheduler, next, changed)
  }
}
