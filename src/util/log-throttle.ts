import type { Logger } from 'pino'

/**
 * A log line that can repeat many times a second (every commit while the disk is full, every
 * group with a reject): the first one is logged, then at most one per `everyMs` per key, carrying
 * how many were held back. An operator reads the state, not a flood.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; held: number }>()

  constructor(
    private readonly logger: Logger,
    private readonly everyMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  log(level: 'warn' | 'error', key: string, fields: Record<string, unknown>, message: string): void {
    const seen = this.last.get(key)
    const now = this.now()
    if (seen !== undefined && now - seen.at < this.everyMs) {
      seen.held++
      return
    }
    this.logger[level]({ ...fields, ...(seen?.held ? { repeated: seen.held } : {}) }, message)
    this.last.set(key, { at: now, held: 0 })
  }

  /** Forgets a key (its condition ended): the next occurrence is logged at once. */
  clear(key: string): void {
    this.last.delete(key)
  }
}
