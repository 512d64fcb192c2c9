import { once } from 'node:events'
import type { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import { startWorker } from '../util/start-worker.js'
import type { PipelineFailure } from './sales-enricher.js'
import type { FromSilver, SilverSettings, ToSilver } from './silver-protocol.js'

export interface SilverProgress {
  watermark: number
  enriched: number
  quarantined: number
  warned: number
  batches: number
  lastBatchAt: number | null
  failure: PipelineFailure | null
}

/**
 * The broker-thread side of the silver thread: tells it when bronze has new rows, and keeps what
 * it reports (watermark, counts, a failure) for status and metrics.
 */
export class SilverPipeline {
  private worker: Worker | undefined
  private noticePending = false
  readonly progress: SilverProgress = { watermark: 0, enriched: 0, quarantined: 0, warned: 0, batches: 0, lastBatchAt: null, failure: null }

  constructor(
    private readonly settings: SilverSettings,
    private readonly logger: Logger,
    private readonly onBatch?: (progress: SilverProgress) => void,
  ) {}

  async start(): Promise<void> {
    const worker = startWorker('silver.worker', import.meta.url, this.settings)
    this.worker = worker
    const [ready] = (await once(worker, 'message')) as [FromSilver]
    if (ready.kind !== 'ready') throw new Error(`silver thread sent ${ready.kind} before ready`)
    this.progress.watermark = ready.watermark
    this.progress.failure = ready.failure ?? null
    if (ready.failure) this.logFailure(ready.failure)
    worker.on('message', (message: FromSilver) => this.onMessage(message))
    worker.on('error', (error) => this.logger.error({ err: error }, 'silver thread crashed'))
  }

  /** Bronze committed new rows. Coalesced: one notice in flight at a time. */
  notifyBronze(): void {
    if (!this.worker || this.noticePending) return
    this.noticePending = true
    this.worker.postMessage({ kind: 'bronze-advanced' } satisfies ToSilver)
  }

  async stop(): Promise<void> {
    const worker = this.worker
    if (!worker) return
    this.worker = undefined
    const exited = once(worker, 'exit')
    worker.postMessage({ kind: 'close' } satisfies ToSilver)
    await exited
  }

  private onMessage(message: FromSilver): void {
    this.noticePending = false
    switch (message.kind) {
      case 'batch': {
        const { outcome } = message
        this.progress.watermark = outcome.watermark
        this.progress.enriched += outcome.enriched
        this.progress.quarantined += outcome.quarantined
        this.progress.warned += outcome.warned
        this.progress.batches++
        this.progress.lastBatchAt = message.at
        this.onBatch?.(this.progress)
        break
      }
      case 'failed':
        this.progress.failure = message.failure
        this.logFailure(message.failure)
        break
      case 'error':
        this.logger.warn({ err: message.message }, 'silver batch not committed; retrying at the next poll')
        break
      default:
    }
  }

  private logFailure(failure: PipelineFailure): void {
    this.logger.error({ failure }, 'silver pipeline stopped by expectation %s at bronze sale %d: %s', failure.rule, failure.bronzeId, failure.detail)
  }
}
