import type { Logger } from 'pino'
import { GroupCommit } from './group-commit.js'
import type { PipelineFailure } from '../silver/sales-enricher.js'
import { LogThrottle } from '../util/log-throttle.js'
import { ServiceThread } from '../util/service-thread.js'
import type { FromBronze, FromSilver, PipelineSettings, ToBronze, ToSilver, WriterPragmas } from './pipeline-protocol.js'
import type { DeviceNotices } from '../contract/reject-notice.js'

export interface SilverProgress {
  watermark: number
  enriched: number
  quarantined: number
  warned: number
  batches: number
  lastBatchAt: number | null
  failure: PipelineFailure | null
  /** The last error that was not a busy database, until a batch succeeds. */
  lastError: string | null
}

export interface PipelineOptions {
  settings: PipelineSettings
  maxGroupMessages: number
  logger: Logger
  /** A pipeline thread (bronze or silver) died: nothing more can be acked or enriched. The daemon should exit and be restarted. */
  onFatal: (error: Error) => void
  /** Silver committed a batch (gold has days to recompute). */
  onSilverBatch?: () => void
  /** A bronze commit failed because the disk is full. */
  onDiskFull?: () => void
  /** A group is on disk and some of its messages were refused: what to tell their devices. */
  onNotices?: (notices: DeviceNotices[]) => void
}

/**
 * The broker-thread side of the pipeline's two threads: the bronze thread (group commits, fed
 * through `groupCommit`) and the silver thread (enrichment, told after each commit). Keeps what
 * they report for status and metrics.
 */
export class Pipeline {
  readonly name = 'the pipeline threads'
  private bronze: ServiceThread<ToBronze> | undefined
  private silverThread: ServiceThread<ToSilver> | undefined
  private toldSilverAt = Number.NEGATIVE_INFINITY
  readonly groupCommit: GroupCommit
  /** The bronze connection's durability settings, as SQLite reports them. */
  pragmas: WriterPragmas | undefined
  readonly silver: SilverProgress = { watermark: 0, enriched: 0, quarantined: 0, warned: 0, batches: 0, lastBatchAt: null, failure: null, lastError: null }

  constructor(private readonly options: PipelineOptions) {
    const { settings } = options
    this.groupCommit = new GroupCommit({
      maxPayloadBytes: settings.maxPayloadBytes,
      rejectPayloadKeepBytes: settings.rejectPayloadKeepBytes,
      maxGroupMessages: options.maxGroupMessages,
      logger: options.logger.child({ component: 'bronze' }),
      send: (group) => this.bronze?.post({ kind: 'commit', group }, [group.bytes.buffer, group.offsets.buffer]),
      onDiskFull: options.onDiskFull,
      onNotices: options.onNotices,
    })
    this.throttled = new LogThrottle(options.logger)
  }

  private readonly throttled: LogThrottle

  /** Whether both threads answer within `timeoutMs` (the systemd watchdog asks). */
  async answers(timeoutMs: number): Promise<boolean> {
    const answered = await Promise.all([this.bronze, this.silverThread].map((thread) => thread?.answers(timeoutMs) ?? false))
    return answered.every(Boolean)
  }

  /** New data-quality rules (SIGHUP); a stop by a `fail` rule is tried again with them. */
  useExpectations(expectations: ToSilver & { kind: 'expectations' }): void {
    this.silver.failure = null
    this.silverThread?.post(expectations)
  }

  async start(): Promise<void> {
    const { settings } = this.options
    const silver = await ServiceThread.start<ToSilver, FromSilver>('silver.worker', import.meta.url, settings, {
      onMessage: (message) => this.onSilverMessage(message),
      onDeath: (error) => this.options.onFatal(error),
    })
    this.silverThread = silver.thread
    this.silver.watermark = silver.ready.silverWatermark
    const bronze = await ServiceThread.start<ToBronze, FromBronze>('bronze.worker', import.meta.url, settings, {
      onMessage: (message) => this.onBronzeMessage(message),
      onDeath: (error) => {
        this.groupCommit.failAll(error)
        this.options.onFatal(error)
      },
    })
    this.bronze = bronze.thread
    this.pragmas = bronze.ready.pragmas
  }

  /** Refuses new messages, commits and acks what was submitted, closes the threads' databases. */
  async stop(): Promise<void> {
    this.groupCommit.close()
    await this.groupCommit.drain()
    await this.bronze?.stop()
    await this.silverThread?.stop()
  }

  /** A group's reply (its id is the group's: group commit keeps the groups in flight, in order). */
  private onBronzeMessage(message: FromBronze): void {
    if (message.kind !== 'reply') return
    if (message.result.ok) {
      this.groupCommit.answered(message.id, { result: message.result.value })
      this.tellSilver()
    } else {
      this.groupCommit.answered(message.id, { error: message.result.error.message })
    }
  }

  /**
   * Silver runs silverDelayMs after a word and then reads everything committed so far, so one word
   * per silverDelayMs covers every commit: the broker thread posts that one, not one per group.
   */
  private tellSilver(): void {
    const now = performance.now()
    if (now - this.toldSilverAt < this.options.settings.silverDelayMs) return
    this.toldSilverAt = now
    this.silverThread?.post({ kind: 'bronze-committed' })
  }

  private onSilverMessage(message: FromSilver): void {
    switch (message.kind) {
      case 'silver-batch': {
        const { outcome } = message
        this.silver.watermark = outcome.watermark
        this.silver.enriched += outcome.enriched
        this.silver.quarantined += outcome.quarantined
        this.silver.warned += outcome.warned
        this.silver.batches++
        this.silver.lastBatchAt = message.at
        this.silver.lastError = null
        if (!outcome.failure) this.silver.failure = null
        this.options.onSilverBatch?.()
        break
      }
      case 'silver-failed':
        this.silver.failure = message.failure
        this.logSilverFailure(message.failure)
        break
      case 'silver-busy':
        this.options.logger.debug({ err: message.message }, 'silver batch not committed (silver.db busy); retrying')
        break
      case 'silver-error':
        this.silver.lastError = message.message
        // Once a minute at most: it repeats at every poll while the cause (a full disk) lasts.
        this.throttled.log('error', message.message, { err: message.message }, 'silver batch failed; retrying at the next poll')
        break
      default:
    }
  }

  private logSilverFailure(failure: PipelineFailure): void {
    this.options.logger.error(
      { component: 'silver', failure },
      'silver pipeline stopped by expectation %s at bronze sale %d: %s',
      failure.rule,
      failure.bronzeId,
      failure.detail,
    )
  }
}
