import { once } from 'node:events'
import type { TransferListItem, Worker } from 'node:worker_threads'
import { startWorker } from './start-worker.js'

export interface ServiceThreadHandlers<From> {
  /** Every message after `ready`. */
  onMessage: (message: From) => void
  /** The thread failed or exited without being asked to: it is gone for good. */
  onDeath: (error: Error) => void
}

/**
 * A long-lived worker thread (the pipeline's, gold's): started, it says `ready` first; then it
 * talks in messages until asked to `close`. A thread that errs or exits before `ready` fails the
 * start; one that dies later is reported once, through onDeath.
 */
export class ServiceThread<To extends { kind: string }> {
  private closing = false
  private pongWaiters: (() => void)[] = []

  private constructor(private worker: Worker | undefined) {}

  static async start<To extends { kind: string }, From extends { kind: string }>(
    name: string,
    callerUrl: string,
    data: unknown,
    handlers: ServiceThreadHandlers<From>,
  ): Promise<{ thread: ServiceThread<To>; ready: Extract<From, { kind: 'ready' }> }> {
    const worker = startWorker(name, callerUrl, data)
    const label = name.replace(/\.worker$/, '')
    const ready = await new Promise<Extract<From, { kind: 'ready' }>>((resolve, reject) => {
      const exited = (code: number): void => reject(new Error(`${label} thread exited with code ${code} before it was ready`))
      worker.once('error', reject)
      worker.once('exit', exited)
      worker.once('message', (message: From) => {
        worker.off('error', reject)
        worker.off('exit', exited)
        if (message.kind === 'ready') resolve(message as Extract<From, { kind: 'ready' }>)
        else reject(new Error(`${label} thread sent ${message.kind} before ready`))
      })
    })
    const thread = new ServiceThread<To>(worker)
    worker.on('message', (message: From) => {
      if (message.kind === 'pong') thread.ponged()
      else handlers.onMessage(message)
    })
    worker.on('error', (error) => thread.die(error, handlers.onDeath))
    worker.on('exit', (code) => thread.die(new Error(`${label} thread exited with code ${code}`), handlers.onDeath))
    return { thread, ready }
  }

  get running(): boolean {
    return this.worker !== undefined
  }

  /** Posts a message; false when the thread is stopped or dead. */
  post(message: To, transfer?: readonly TransferListItem[]): boolean {
    if (!this.worker) return false
    this.worker.postMessage(message, transfer)
    return true
  }

  /**
   * Whether the thread answers within `timeoutMs`: its event loop turns (a thread stuck in a
   * transaction or a loop does not), for the systemd watchdog.
   */
  async answers(timeoutMs: number): Promise<boolean> {
    const worker = this.worker
    if (!worker) return false
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      this.pongWaiters.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
      worker.postMessage({ kind: 'ping' })
    })
  }

  private ponged(): void {
    const waiters = this.pongWaiters
    this.pongWaiters = []
    for (const waiter of waiters) waiter()
  }

  /** Asks the thread to close (it closes its databases) and waits for it to exit. */
  async stop(): Promise<void> {
    const worker = this.worker
    if (!worker) return
    this.closing = true
    this.worker = undefined
    const exited = once(worker, 'exit')
    worker.postMessage({ kind: 'close' })
    await exited
  }

  private die(error: Error, onDeath: (error: Error) => void): void {
    if (this.closing) return
    this.closing = true
    this.worker = undefined
    onDeath(error)
  }
}
