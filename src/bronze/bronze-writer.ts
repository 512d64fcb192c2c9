import { once } from 'node:events'
import type { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import { MedallionError } from '../errors.js'
import { startWorker } from '../util/start-worker.js'
import type { CommitResult } from './bronze-store.js'
import type { FromWriter, PackedGroup, ToWriter, WriterPragmas, WriterSettings } from './writer-protocol.js'

/** Called once the message is committed (null) or could not be (the error). */
export type AckCallback = (error: Error | null) => void

export interface IngestTotals {
  messages: number
  accepted: number
  duplicates: number
  rejected: number
  commits: number
  rejectReasons: Record<string, number>
}

interface PendingGroup {
  id: number
  topics: string[]
  clientIds: (string | null)[]
  receivedAtMs: number[]
  payloadBytes: number[]
  payloads: Uint8Array[]
  storedBytes: number
  callbacks: AckCallback[]
}

function emptyGroup(): PendingGroup {
  return { id: 0, topics: [], clientIds: [], receivedAtMs: [], payloadBytes: [], payloads: [], storedBytes: 0, callbacks: [] }
}

export interface BronzeWriterOptions {
  settings: WriterSettings
  maxGroupMessages: number
  logger: Logger
  /** The writer thread died: nothing more can be acked. The daemon should exit and be restarted. */
  onFatal: (error: Error) => void
  /** A group committed (after its acks were released): downstream layers may read new rows. */
  onCommitted?: (result: CommitResult) => void
}

/**
 * Groups posted to the writer before the previous one is answered. With one, the broker thread
 * and the writer thread take turns (aedes reads a connection's next chunk only when the current
 * one is acked, so every connection waits on the same commit); with two, one group commits while
 * the acks of the last are sent and the next one gathers. Measured: docs/benchmarks.md.
 */
const MAX_GROUPS_IN_FLIGHT = 2

/** Payload bytes in one group, whatever the message count: bounds the copy and the transaction. */
const MAX_GROUP_BYTES = 8 * 1024 * 1024

/**
 * Group commit on a writer thread. Messages submitted while commits run gather into the next
 * group, sent as soon as a slot is free. So the group size follows the commit latency: one row per
 * commit when idle, hundreds under load, and one fsync per group. Nothing is acked before the
 * worker says the transaction committed.
 */
export class BronzeWriter {
  private worker: Worker | undefined
  private pending = emptyGroup()
  /** Groups posted to the worker and not yet answered, oldest first (it commits in order). */
  private inFlight: PendingGroup[] = []
  private flushScheduled = false
  private nextId = 1
  private drainWaiters: (() => void)[] = []
  private closing = false
  /** The writer connection's durability settings, as SQLite reports them. */
  pragmas: WriterPragmas | undefined
  readonly totals: IngestTotals = { messages: 0, accepted: 0, duplicates: 0, rejected: 0, commits: 0, rejectReasons: {} }

  constructor(private readonly options: BronzeWriterOptions) {}

  async start(): Promise<void> {
    const worker = startWorker('bronze-writer.worker', import.meta.url, this.options.settings)
    this.worker = worker
    await new Promise<void>((resolve, reject) => {
      const exited = (code: number): void => reject(new Error(`bronze writer thread exited with code ${code} before it was ready`))
      worker.once('error', reject)
      worker.once('exit', exited)
      worker.once('message', (message: FromWriter) => {
        worker.off('error', reject)
        worker.off('exit', exited)
        if (message.kind === 'ready') {
          this.pragmas = message.pragmas
          resolve()
        }
        else reject(new Error(`bronze writer sent ${message.kind} before ready`))
      })
    })
    worker.on('message', (message: FromWriter) => this.onWorkerMessage(message))
    worker.on('error', (error) => this.fail(error))
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`bronze writer thread exited with code ${code}`))
    })
  }

  /**
   * Queues one message; `done` runs after its group committed. A payload over `maxPayloadBytes`
   * is kept only up to `rejectPayloadKeepBytes`: it becomes a reject row, not a sale.
   */
  submit(topic: string, clientId: string | null, payload: Uint8Array, receivedAtMs: number, done: AckCallback): void {
    if (!this.worker || this.closing) {
      done(new MedallionError('STORAGE_FAILED', 'the bronze writer is stopped'))
      return
    }
    const { maxPayloadBytes, rejectPayloadKeepBytes } = this.options.settings
    const stored = payload.byteLength > maxPayloadBytes ? payload.subarray(0, rejectPayloadKeepBytes) : payload
    const group = this.pending
    group.topics.push(topic)
    group.clientIds.push(clientId)
    group.receivedAtMs.push(receivedAtMs)
    group.payloadBytes.push(payload.byteLength)
    group.payloads.push(stored)
    group.storedBytes += stored.byteLength
    group.callbacks.push(done)
    if (this.inFlight.length < MAX_GROUPS_IN_FLIGHT && !this.flushScheduled) {
      // Wait for the rest of this event-loop turn: every packet already parsed joins the group.
      this.flushScheduled = true
      setImmediate(() => {
        this.flushScheduled = false
        this.flush()
      })
    }
  }

  /** Resolves when everything submitted so far is committed and acked. */
  async drain(): Promise<void> {
    if (this.inFlight.length === 0 && this.pending.callbacks.length === 0) return
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve))
  }

  /** Drains, then closes the writer's database and thread. */
  async stop(): Promise<void> {
    if (!this.worker) return
    await this.drain()
    this.closing = true
    const worker = this.worker
    this.worker = undefined
    const closed = once(worker, 'exit')
    worker.postMessage({ kind: 'close' } satisfies ToWriter)
    await closed
  }

  private flush(): void {
    if (this.inFlight.length >= MAX_GROUPS_IN_FLIGHT || this.pending.callbacks.length === 0 || !this.worker) return
    const group = this.takeGroup()
    group.id = this.nextId++
    this.inFlight.push(group)
    const packed = pack(group.id, group)
    this.worker.postMessage({ kind: 'commit', group: packed } satisfies ToWriter, [packed.bytes.buffer, packed.offsets.buffer])
  }

  /** Takes up to `maxGroupMessages` messages and about MAX_GROUP_BYTES off the pending group. */
  private takeGroup(): PendingGroup {
    const all = this.pending
    let max = Math.min(this.options.maxGroupMessages, all.callbacks.length)
    if (all.storedBytes > MAX_GROUP_BYTES) {
      let bytes = 0
      let count = 0
      while (count < max && (count === 0 || bytes + all.payloads[count]!.byteLength <= MAX_GROUP_BYTES)) bytes += all.payloads[count++]!.byteLength
      max = count
    }
    if (max === all.callbacks.length) {
      this.pending = emptyGroup()
      return all
    }
    const head: PendingGroup = {
      id: 0,
      topics: all.topics.splice(0, max),
      clientIds: all.clientIds.splice(0, max),
      receivedAtMs: all.receivedAtMs.splice(0, max),
      payloadBytes: all.payloadBytes.splice(0, max),
      payloads: all.payloads.splice(0, max),
      storedBytes: 0,
      callbacks: all.callbacks.splice(0, max),
    }
    for (const payload of head.payloads) head.storedBytes += payload.byteLength
    all.storedBytes -= head.storedBytes
    return head
  }

  private onWorkerMessage(message: FromWriter): void {
    if (message.kind !== 'committed' && message.kind !== 'failed') return
    const group = this.inFlight.shift()
    if (!group) return
    if (message.id !== group.id) {
      this.fail(new Error(`bronze writer answered group ${message.id}, expected ${group.id}`))
      return
    }
    if (message.kind === 'committed') {
      this.count(message.result)
      for (const done of group.callbacks) done(null)
      if (message.result.accepted > 0) this.options.onCommitted?.(message.result)
    } else {
      // Not durable, so not acked: the clients are disconnected and resend (QoS 1/2).
      const error = new MedallionError('STORAGE_FAILED', `bronze commit failed: ${message.message}`)
      this.options.logger.error({ err: error, messages: group.callbacks.length }, 'bronze commit failed; messages not acked')
      for (const done of group.callbacks) done(error)
    }
    if (this.pending.callbacks.length > 0) this.flush()
    else if (this.inFlight.length === 0) this.notifyDrained()
  }

  private count(result: CommitResult): void {
    const totals = this.totals
    totals.commits++
    totals.messages += result.messages
    totals.accepted += result.accepted
    totals.duplicates += result.duplicates
    totals.rejected += result.rejected
    for (const [reason, count] of Object.entries(result.rejectReasons)) {
      totals.rejectReasons[reason] = (totals.rejectReasons[reason] ?? 0) + count
    }
    if (result.rejected > 0) {
      this.options.logger.warn({ rejectReasons: result.rejectReasons }, 'stored %d rejected sale(s)', result.rejected)
    }
  }

  private notifyDrained(): void {
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const resolve of waiters) resolve()
  }

  private fail(error: Error): void {
    if (this.closing) return
    this.worker = undefined
    const groups = [...this.inFlight, this.pending]
    this.inFlight = []
    this.pending = emptyGroup()
    for (const group of groups) for (const done of group.callbacks) done(error)
    this.notifyDrained()
    this.options.onFatal(error)
  }
}

function pack(id: number, group: PendingGroup): PackedGroup {
  const count = group.callbacks.length
  const bytes = new Uint8Array(group.storedBytes)
  const offsets = new Uint32Array(count + 1)
  let at = 0
  for (let i = 0; i < count; i++) {
    const payload = group.payloads[i]!
    offsets[i] = at
    bytes.set(payload, at)
    at += payload.byteLength
  }
  offsets[count] = at
  return {
    id,
    topics: group.topics,
    clientIds: group.clientIds,
    receivedAtMs: Float64Array.from(group.receivedAtMs),
    payloadBytes: Float64Array.from(group.payloadBytes),
    offsets,
    bytes,
  }
}
