import type { Clock } from '../util/clock.js'

/** What a gold refresh step left: more to do at once (a backlog, a backfill), or nothing (or a failure, retried later). */
export type RefreshStep = 'more' | 'idle'

export interface GoldCadenceOptions {
  /** At most one refresh this often (a burst of silver batches makes one refresh). */
  refreshIntervalMs: number
  /** Look for work at least this often without a notice (rebuilds and imports by other processes). */
  pollMs: number
}

/**
 * When the gold thread runs a refresh step: when silver advanced or the poll comes round, but never
 * sooner than `refreshIntervalMs` after the last step began, so that a burst of silver batches
 * makes one refresh. A step that leaves a backlog is followed at once. The first step runs at once
 * (what silver holds from before). Time comes from the clock.
 */
export class GoldCadence {
  private timer: unknown
  private pollTimer: unknown
  /** When the last step began; none yet: the first one is not held back. */
  private lastRunAt = Number.NEGATIVE_INFINITY
  private backlog = false
  private closed = false

  constructor(
    private readonly runStep: () => RefreshStep,
    private readonly clock: Clock,
    private readonly options: GoldCadenceOptions,
  ) {}

  /** The first step at once, then the poll. */
  start(): void {
    this.armPoll()
    this.schedule()
  }

  /** Silver committed a batch: a step runs refreshIntervalMs after the last one began, or at once if that has passed. */
  silverAdvanced(): void {
    this.schedule()
  }

  close(): void {
    this.closed = true
    this.clock.clearTimeout(this.timer)
    this.clock.clearTimeout(this.pollTimer)
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed) return
    const gapMs = this.backlog ? 0 : this.options.refreshIntervalMs
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined
        this.run()
      },
      Math.max(0, this.lastRunAt + gapMs - this.clock.now()),
    )
  }

  private armPoll(): void {
    if (this.closed) return
    this.pollTimer = this.clock.setTimeout(() => {
      this.schedule()
      this.armPoll()
    }, this.options.pollMs)
  }

  private run(): void {
    if (this.closed) return
    this.lastRunAt = this.clock.now()
    this.backlog = this.runStep() === 'more'
    if (this.backlog) this.schedule()
  }
}
