import type { Logger } from 'pino'
import { GroupCommit } from './group-commit.js'
import type { PipelineFailure } from '../silver/sales-enricher.js'
import { LogThrottle } from '../util/log-throttle.js'
import { ServiceThread } from '../util/service-thread.js'
import type { FromPipeline, PipelineSettings, ToPipeline, WriterPragmas } from './pipeline-protocol.js'

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
  /** The pipeline thread died: nothing more can be acked. The daemon should exit and be restarted. */
  onFatal: (error: Error) => void
  /** Silver committed a batch (gold has days to recompute). */
  onSilverBatch?: () => void
  /** A bronze commit failed because the disk is full. */
  onDiskFull?: () => void
}

/**
 * The broker-thread side of the pipeline thread (bronze group commits, then silver): owns the
 * thread, feeds it groups through `groupCommit`, and keeps what it reports for status and metrics.
 */
export class Pipeline {
  private thread: ServiceThread<ToPipeline> | undefined
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
      send: (group) => this.thread?.post({ kind: 'commit', group }, [group.bytes.buffer, group.offsets.buffer]),
      onDiskFull: options.onDiskFull,
    })
    this.throttled = new LogThrottle(options.logger)
  }

  private readonly throttled: LogThrottle

  /** Whether the pipeline thread answers within `timeoutMs` (the systemd watchdog asks). */
  answers(timeoutMs: number): Promise<boolean> {
    return this.thread?.answers(timeoutMs) ?? Promise.resolve(false)
  }

  /** New data-quality rules (SIGHUP); a stop by a `fail` rule is tried again with them. */
  useExpectations(expectations: ToPipeline & { kind: 'expectations' }): void {
    this.silver.failure = null
    this.thread?.post(expectations)
  }

  async start(): Promise<void> {
    const { thread, ready } = await ServiceThread.start<ToPipeline, FromPipeline>('pipeline.worker', import.meta.url, this.options.settings, {
      onMessage: (message) => this.onMessage(message),
      onDeath: (error) => {
        this.groupCommit.failAll(error)
        this.options.onFatal(error)
      },
    })
    this.thread = thread
    this.pragmas = ready.pragmas
    this.silver.watermark = ready.silverWatermark
  }

  /** Refuses new messages, commits and acks what was submitted, closes the thread's databases. */
  async stop(): Promise<void> {
    this.groupCommit.close()
    await this.groupCommit.drain()
    await this.thread?.stop()
  }

  private onMessage(message: FromPipeline): void {
    switch (message.kind) {
      case 'committed':
        this.groupCommit.answered(message.id, { result: message.result })
        break
      case 'failed':
        this.groupCommit.answered(message.id, { error: message.message })
        break
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
    this.options.logger.error({ component: 'silver', failure },
      'silver pipeline stopped by expectation %s at bronze sale %d: %s', failure.rule, failure.bronzeId, failure.detail)
  }
}
