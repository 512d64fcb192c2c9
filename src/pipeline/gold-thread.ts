import type { Logger } from 'pino'
import { LogThrottle } from '../util/log-throttle.js'
import { ServiceThread } from '../util/service-thread.js'
import type { FromGold, GoldSettings, ToGold } from './gold-protocol.js'
import type { RefreshOutcome } from '../gold/gold-refresher.js'

export interface GoldProgress {
  watermark: number
  caughtUpAt: string | null
  refreshes: number
  groups: number
  /** The last failure (not a busy gold.db), until a refresh succeeds. */
  lastError: string | null
  /** Refresh steps that failed since start (not counting a busy gold.db). */
  errors: number
  /** Refresh steps put off because another process held gold.db (a `gold rebuild`): retried, not failures. */
  busy: number
}

/** The broker-thread side of the gold thread: tells it when silver moved, keeps its progress, tells who listens when it refreshed. */
export class GoldThread {
  readonly name = 'the gold thread'
  private thread: ServiceThread<ToGold> | undefined
  readonly progress: GoldProgress = { watermark: 0, caughtUpAt: null, refreshes: 0, groups: 0, lastError: null, errors: 0, busy: 0 }
  private readonly throttled: LogThrottle
  private readonly refreshListeners: (() => void)[] = []

  constructor(
    private readonly settings: GoldSettings,
    private readonly logger: Logger,
    private readonly onFatal: (error: Error) => void,
  ) {
    this.throttled = new LogThrottle(logger)
  }

  async start(): Promise<void> {
    const { thread, ready } = await ServiceThread.start<ToGold, FromGold>('gold.worker', import.meta.url, this.settings, {
      onMessage: (message) => this.onMessage(message),
      onDeath: (error) => this.onFatal(error),
    })
    this.thread = thread
    this.progress.watermark = ready.watermark
    this.progress.caughtUpAt = ready.caughtUpAt
  }

  /** Whether the gold thread answers within `timeoutMs` (the systemd watchdog asks). */
  answers(timeoutMs: number): Promise<boolean> {
    return this.thread?.answers(timeoutMs) ?? Promise.resolve(false)
  }

  /** Refreshes until caught up now (the scheduled job); resolves with the outcome. */
  refreshNow(): Promise<RefreshOutcome> {
    return this.thread?.request<RefreshOutcome>((id) => ({ kind: 'refresh-now', id })) ?? Promise.reject(new Error('the gold thread is not running'))
  }

  /** Silver committed a batch: gold has days to recompute. */
  notify(): void {
    this.thread?.post({ kind: 'silver-advanced' })
  }

  /** Calls `listener` after each refresh the thread reports (the live staff pages look at gold then). */
  onRefreshed(listener: () => void): void {
    this.refreshListeners.push(listener)
  }

  async stop(): Promise<void> {
    await this.thread?.stop()
  }

  private onMessage(message: FromGold): void {
    if (message.kind === 'refreshed') {
      this.progress.watermark = message.outcome.watermark
      this.progress.caughtUpAt = message.caughtUpAt
      this.progress.refreshes++
      this.progress.groups += message.outcome.groups
      this.progress.lastError = null
      for (const listener of this.refreshListeners) listener()
    } else if (message.kind === 'busy') {
      // Routine, as for silver: a `gold rebuild` next to it.
      this.progress.busy++
      this.logger.debug({ err: message.message }, 'gold refresh not committed (gold.db busy); retrying')
    } else if (message.kind === 'error') {
      // A full disk, a damaged file: counted, shown in health and /readyz, logged once a minute.
      this.progress.lastError = message.message
      this.progress.errors++
      this.throttled.log('error', message.message, { err: message.message }, 'gold refresh failed; retrying')
    }
  }
}
