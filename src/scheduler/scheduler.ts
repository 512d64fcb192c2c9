import type { Logger } from 'pino'
import type { Clock } from '../util/clock.js'
import { CronSchedule } from './cron-schedule.js'
import type { JobRunRecord, JobRunStore } from './job-run-store.js'
import { LogThrottle } from '../util/log-throttle.js'

const MINUTE_MS = 60_000
/** How far back a missed run is looked for at start. */
const CATCH_UP_WINDOW_MS = 7 * 24 * 60 * MINUTE_MS

export interface JobSpec {
  name: string
  cron: string
  /** The work; its result is logged and kept as the run's summary. */
  run: () => Promise<unknown>
}

export interface JobStatus {
  name: string
  cron: string
  running: boolean
  skippedOverlaps: number
  last: JobRunRecord | null
}

interface Job extends JobSpec {
  schedule: CronSchedule
  running: Promise<void> | null
  skippedOverlaps: number
}

export interface SchedulerOptions {
  timeZone: string
  clock: Clock
  logger: Logger
  store: JobRunStore
}

/**
 * Named jobs on cron expressions in the store's time zone: never two runs of one job at once (a
 * due run while the last still runs is skipped and counted), a run missed while the daemon was
 * down caught up once at start, each run's outcome and duration logged and kept (gateway.db) for
 * `status`. Time comes from the injected clock.
 */
export class Scheduler {
  private readonly jobs = new Map<string, Job>()
  private timer: unknown
  private stopped = true

  private readonly noteFailures: LogThrottle

  constructor(private readonly options: SchedulerOptions) {
    this.noteFailures = new LogThrottle(options.logger)
  }

  add(spec: JobSpec): void {
    this.jobs.set(spec.name, { ...spec, schedule: new CronSchedule(spec.cron, this.options.timeZone), running: null, skippedOverlaps: 0 })
  }

  /** A job's new cron expression (a config reload); a run under way goes on. */
  reschedule(name: string, cron: string): void {
    const job = this.jobs.get(name)
    if (!job) throw new Error(`no job ${name}`)
    job.cron = cron
    job.schedule = new CronSchedule(cron, this.options.timeZone)
  }

  /** Drops a job (its target was removed by a config reload); a run under way finishes. */
  remove(name: string): void {
    this.jobs.delete(name)
  }

  has(name: string): boolean {
    return this.jobs.has(name)
  }

  start(): void {
    this.stopped = false
    const now = this.options.clock.now()
    for (const job of this.jobs.values()) {
      const last = this.options.store.get(job.name)
      if (last === null) {
        // First start with this job: nothing was missed; count from now.
        this.note(job.name, (store) => store.markScheduled(job.name, new Date(now).toISOString()))
        continue
      }
      const since = Math.max(Date.parse(last.scheduledFor), now - CATCH_UP_WINDOW_MS)
      const missed = job.schedule.lastDueIn(since, now)
      if (missed !== null) {
        this.options.logger.info({ job: job.name, missed: new Date(missed).toISOString() }, 'catching up a run missed while stopped')
        this.launch(job, missed, 'catch-up')
      }
    }
    this.armTimer()
  }

  /**
   * Stops the timer and waits for running jobs, at most `waitMs` (a job's thread then ends with the
   * process; its transaction is rolled back, and it runs again at its next time).
   */
  async stop(waitMs = 3000): Promise<void> {
    this.stopped = true
    this.options.clock.clearTimeout(this.timer)
    const running = Promise.all([...this.jobs.values()].map((job) => job.running))
    await Promise.race([running, new Promise((resolve) => setTimeout(resolve, waitMs).unref())])
  }

  /** Runs a job now (API, tests); resolves when it has finished. Skipped if it is running. */
  async runNow(name: string): Promise<void> {
    const job = this.jobs.get(name)
    if (!job) throw new Error(`no job ${name}`)
    this.launch(job, this.options.clock.now(), 'on demand')
    await job.running
  }

  status(): JobStatus[] {
    return [...this.jobs.values()].map((job) => {
      return {
        name: job.name,
        cron: job.cron,
        running: job.running !== null,
        skippedOverlaps: job.skippedOverlaps,
        last: this.options.store.get(job.name),
      }
    })
  }

  private armTimer(): void {
    if (this.stopped) return
    const now = this.options.clock.now()
    const nextMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS
    this.timer = this.options.clock.setTimeout(() => this.tick(nextMinute), nextMinute - now)
  }

  private tick(minute: number): void {
    if (this.stopped) return
    for (const job of this.jobs.values()) {
      if (job.schedule.dueAt(minute)) this.launch(job, minute, 'scheduled')
    }
    this.armTimer()
  }

  private launch(job: Job, scheduledFor: number, reason: string): void {
    if (job.running) {
      job.skippedOverlaps++
      this.options.logger.warn({ job: job.name }, 'run skipped: the previous run is still going')
      return
    }
    const { clock, logger } = this.options
    const scheduledIso = new Date(scheduledFor).toISOString()
    this.note(job.name, (store) => store.markScheduled(job.name, scheduledIso))
    const startedAt = clock.now()
    job.running = (async () => {
      let record: JobRunRecord
      try {
        const result = await job.run()
        record = {
          scheduledFor: scheduledIso,
          startedAt: new Date(startedAt).toISOString(),
          durationMs: clock.now() - startedAt,
          outcome: 'ok',
          summary: result === undefined ? null : JSON.stringify(result),
        }
        logger.info({ job: job.name, reason, durationMs: record.durationMs, result }, 'job done')
      } catch (error) {
        record = {
          scheduledFor: scheduledIso,
          startedAt: new Date(startedAt).toISOString(),
          durationMs: clock.now() - startedAt,
          outcome: 'failed',
          summary: (error as Error).message,
        }
        logger.error({ job: job.name, reason, durationMs: record.durationMs, err: error }, 'job failed')
      }
      this.note(job.name, (store) => store.record(job.name, record))
      job.running = null
    })()
  }

  /**
   * Writes a job's run note. A note that cannot be written (a full disk) is logged and the job
   * runs anyway: the scheduler must outlive its own bookkeeping (at worst a missed minute is run
   * again after a restart).
   */
  private note(job: string, write: (store: JobRunStore) => void): void {
    try {
      write(this.options.store)
    } catch (error) {
      this.noteFailures.log('warn', 'note', { job, err: (error as Error).message }, 'job run not noted in gateway.db; the job runs anyway')
    }
  }
}
