import { once } from 'node:events'
import type { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import { startWorker } from '../util/start-worker.js'
import type { FromGold, GoldSettings, ToGold } from './gold-protocol.js'
import type { RefreshOutcome } from './gold-refresher.js'

export interface GoldProgress {
  watermark: number
  caughtUpAt: string | null
  refreshes: number
  groups: number
  lastError: string | null
}

/** The broker-thread side of the gold thread: tells it when silver moved, keeps its progress. */
export class GoldThread {
  private worker: Worker | undefined
  private closing = false
  private nextRequest = 1
  private readonly requests = new Map<number, { resolve: (outcome: RefreshOutcome) => void; reject: (error: Error) => void }>()
  readonly progress: GoldProgress = { watermark: 0, caughtUpAt: null, refreshes: 0, groups: 0, lastError: null }

  constructor(
    private readonly settings: GoldSettings,
    private readonly logger: Logger,
    private readonly onFatal: (error: Error) => void,
  ) {}

  async start(): Promise<void> {
    const worker = startWorker('gold.worker', import.meta.url, this.settings)
    this.worker = worker
    const [ready] = (await once(worker, 'message')) as [FromGold]
    if (ready.kind !== 'ready') throw new Error(`gold thread sent ${ready.kind} before ready`)
    this.progress.watermark = ready.watermark
    this.progress.caughtUpAt = ready.caughtUpAt
    worker.on('message', (message: FromGold) => this.onMessage(message))
    worker.on('error', (error) => this.die(error))
    worker.on('exit', (code) => this.die(new Error(`gold thread exited with code ${code}`)))
  }

  /** Refreshes until caught up now (the scheduled job); resolves with the outcome. */
  refreshNow(): Promise<RefreshOutcome> {
    const worker = this.worker
    if (!worker) return Promise.reject(new Error('the gold thread is not running'))
    const id = this.nextRequest++
    return new Promise((resolve, reject) => {
      this.requests.set(id, { resolve, reject })
      worker.postMessage({ kind: 'refresh-now', id } satisfies ToGold)
    })
  }

  /** Silver committed a batch: gold has days to recompute. */
  notify(): void {
    this.worker?.postMessage({ kind: 'silver-advanced' } satisfies ToGold)
  }

  async stop(): Promise<void> {
    const worker = this.worker
    if (!worker) return
    this.closing = true
    this.worker = undefined
    const exited = once(worker, 'exit')
    worker.postMessage({ kind: 'close' } satisfies ToGold)
    await exited
  }

  private onMessage(message: FromGold): void {
    if (message.kind === 'refreshed') {
      this.progress.watermark = message.outcome.watermark
      this.progress.caughtUpAt = message.caughtUpAt
      this.progress.refreshes++
      this.progress.groups += message.outcome.groups
      this.progress.lastError = null
    } else if (message.kind === 'refreshed-now') {
      const request = this.requests.get(message.id)
      this.requests.delete(message.id)
      if (message.outcome) request?.resolve(message.outcome)
      else request?.reject(new Error(message.error ?? 'gold refresh failed'))
    } else if (message.kind === 'error') {
      this.progress.lastError = message.message
      this.logger.debug({ err: message.message }, 'gold refresh not committed; retrying')
    }
  }

  private die(error: Error): void {
    if (this.closing) return
    this.closing = true
    this.worker = undefined
    for (const request of this.requests.values()) request.reject(error)
    this.requests.clear()
    this.onFatal(error)
  }
}
