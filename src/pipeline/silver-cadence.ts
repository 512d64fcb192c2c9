import type { Clock } from '../util/clock.js'

/** What a silver batch found: rows (there may be more), nothing, or a stop by a `fail` rule. */
export type BatchResult = 'more' | 'idle' | 'stopped'

export interface CadenceOptions {
  /** Bronze quiet for this long after a commit before silver runs: bronze groups go first. */
  idleMs: number
  /** A batch at least this often, even under sustained ingest or without commits here. */
  pollMs: number
}

/**
 * When the pipeline thread runs a silver batch: once bronze has been quiet for `idleMs` after a
 * commit, again at once while batches find rows, and at least every `pollMs` (so silver never
 * starves under sustained ingest, and sees rows other processes wrote). A batch that stops silver
 * (a `fail` expectation) stops the cadence until `resume()` (new rules). Time comes from the clock.
 */
export class SilverCadence {
  private idleTimer: unknown
  private pollTimer: unknown
  private lastCommitAt = Number.NEGATIVE_INFINITY
  private stopped = false
  private closed = false

  constructor(
    private readonly runBatch: () => BatchResult,
    private readonly clock: Clock,
    private readonly options: CadenceOptions,
  ) {}

  /** The first batch (what bronze holds from before) once idle, then the poll. */
  start(): void {
    this.armPoll()
    this.schedule()
  }

  /** A bronze group was committed: silver waits for a quiet gap, then runs. */
  committed(): void {
    this.lastCommitAt = this.clock.now()
    this.schedule()
  }

  /** Silver may run again (a stop by a rule is retried with the new rules). */
  resume(): void {
    this.stopped = false
    this.schedule()
  }

  close(): void {
    this.closed = true
    this.clock.clearTimeout(this.idleTimer)
    this.clock.clearTimeout(this.pollTimer)
  }

  private schedule(): void {
    if (this.idleTimer !== undefined || this.stopped || this.closed) return
    this.idleTimer = this.clock.setTimeout(() => {
      this.idleTimer = undefined
      if (this.clock.now() - this.lastCommitAt < this.options.idleMs) this.schedule()
      else this.run()
    }, this.options.idleMs)
  }

  private armPoll(): void {
    if (this.closed) return
    this.pollTimer = this.clock.setTimeout(() => {
      this.run()
      this.armPoll()
    }, this.options.pollMs)
  }

  private run(): void {
    if (this.stopped || this.closed) return
    const result = this.runBatch()
    if (result === 'stopped') this.stopped = true
    else if (result === 'more') this.schedule()
  }
}
