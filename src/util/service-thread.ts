import { once } from 'node:events'
import type { TransferListItem, Worker } from 'node:worker_threads'
import { jobError, type JobResult } from './job-result.js'
import { startWorker } from './start-worker.js'

/** What every long-lived thread understands besides its own messages (util/thread-port.ts answers them). */
export type ThreadControl = { kind: 'ping' } | { kind: 'close' }

/** The answer to a request: its id, and the value or the error with its catalogue code (as job threads post theirs). */
export interface Reply<T> {
  kind: 'reply'
  id: number
  result: JobResult<T>
}

/** What every long-lived thread posts besides its own messages. */
export type ThreadSignal = { kind: 'pong' }

export interface ServiceThreadHandlers<From> {
  /** Every message after `ready`. */
  onMessage: (message: From) => void
  /** The thread failed or exited without being asked to: it is gone for good. */
  onDeath: (error: Error) => void
}

/**
 * A long-lived worker thread (bronze, silver, gold), the caller's side; util/thread-port.ts is the
 * thread's. Started, the thread says `ready` first; then it talks in typed messages until asked
 * to `close`. A request (`request`) is answered by a `Reply` with the same id. A thread that errs
 * or exits before `ready` fails the start; one that dies later is reported once, through onDeath,
 * and fails the requests it had not answered.
 */
export class ServiceThread<To extends { kind: string }> {
  private closing = false
  private pongWaiters: (() => void)[] = []
  private nextRequest = 1
  private readonly requests = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()

  private constructor(
    private worker: Worker | undefined,
    private readonly label: string,
  ) {}

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
    const thread = new ServiceThread<To>(worker, label)
    worker.on('message', (message: From | ThreadSignal | Reply<unknown>) => {
      if (message.kind === 'pong') thread.ponged()
      else if (message.kind === 'reply' && thread.answered(message as Reply<unknown>)) return
      else handlers.onMessage(message as From)
    })
    worker.on('error', (error) => thread.die(error, handlers.onDeath))
    worker.on('exit', (code) => thread.die(new Error(`${label} thread exited with code ${code}`), handlers.onDeath))
    return { thread, ready }
  }

  get running(): boolean {
    return this.worker !== undefined
  }

  /** Posts a message; false when the thread is stopped or dead. */
  post(message: To | ThreadControl, transfer?: readonly TransferListItem[]): boolean {
    if (!this.worker) return false
    this.worker.postMessage(message, transfer)
    return true
  }

  /** Posts the message `build` makes with a new id; settles with the thread's `Reply` to that id. */
  request<T>(build: (id: number) => To): Promise<T> {
    if (!this.worker) return Promise.reject(new Error(`the ${this.label} thread is not running`))
    const id = this.nextRequest++
    return new Promise<T>((resolve, reject) => {
      this.requests.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.post(build(id))
    })
  }

  /** Settles the request a reply answers; false when it answers none of this side's requests. */
  private answered(reply: Reply<unknown>): boolean {
    const request = this.requests.get(reply.id)
    if (!request) return false
    this.requests.delete(reply.id)
    if (reply.result.ok) request.resolve(reply.result.value)
    else request.reject(jobError(reply.result.error))
    return true
  }

  private failRequests(error: Error): void {
    for (const request of this.requests.values()) request.reject(error)
    this.requests.clear()
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
      worker.postMessage({ kind: 'ping' } satisfies ThreadControl)
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
    worker.postMessage({ kind: 'close' } satisfies ThreadControl)
    await exited
    this.failRequests(new Error('the thread was stopped'))
  }

  private die(error: Error, onDeath: (error: Error) => void): void {
    if (this.closing) return
    this.closing = true
    this.worker = undefined
    this.failRequests(error)
    onDeath(error)
  }
}
