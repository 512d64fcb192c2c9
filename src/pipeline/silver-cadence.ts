import type { Clock } from '../util/clock.js'

/** What a silver batch found: rows (there may be more), nothing, or a stop by a `fail` rule. */
export type BatchResult = 'more' | 'idle' | 'stopped'

export interface CadenceOptions {
  /** A batch runs this long after bronze said it committed (not put off by later commits). */
  delayMs: number
  /** A batch at least this often without commits (retries of a busy silver.db, rows other processes wrote). */
  pollMs: number
}

/**
 * When the silver thread runs a batch: `delayMs` after a bronze commit (later commits in that
 * time join the same batch; one told while a batch is due gets another after it), again at once
 * while batches find rows, and at least every `pollMs`.
 * A batch that stops silver (a `fail` expectation) stops the cadence until `resume()` (new
 * rules). Time comes from the clock.
 */
export class SilverCadence {
  private timer: unknown
  private pollTimer: unknown
  private stopped = false
  private closed = false
  /** A commit was told while a batch was already due: one more batch after that one. */
  private toldWhileDue = false

  constructor(
    private readonly runBatch: () => BatchResult,
    private readonly clock: Clock,
    private readonly options: CadenceOptions,
  ) {}

  /** The first batch (what bronze holds from before) at once, then the poll. */
  start(): void {
    this.armPoll()
    this.schedule(0)
  }

  /**
   * Bronze committed a group: a batch starts after this call, within delayMs (the sender may
   * skip telling commits that follow within delayMs: this batch reads them).
   */
  committed(): void {
    if (this.timer !== undefined) this.toldWhileDue = true
    else this.schedule(this.options.delayMs)
  }

  /** Silver may run again (a stop by a rule is retried with the new rules). */
  resume(): void {
    this.stopped = false
    this.schedule(0)
  }

  close(): void {
    this.closed = true
    this.clock.clearTimeout(this.timer)
    this.clock.clearTimeout(this.pollTimer)
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined || this.stopped || this.closed) return
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      this.run()
    }, delayMs)
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
    else if (result === 'more') this.schedule(0)
    else if (this.toldWhileDue) {
      this.toldWhileDue = false
      this.schedule(this.options.delayMs)
    }
  }
}
