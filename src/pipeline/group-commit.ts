import type { Logger } from 'pino'
import { MedallionError } from '../errors.js'
import { LogThrottle } from '../util/log-throttle.js'
import type { CommitResult } from '../bronze/bronze-store.js'
import type { DeviceNotices } from '../contract/reject-notice.js'
import type { PackedGroup } from './packed-group.js'

/** Called once the message is committed (null) or could not be (the error). */
export type AckCallback = (error: Error | null) => void

export interface IngestTotals {
  messages: number
  accepted: number
  duplicates: number
  rejected: number
  commits: number
  rejectReasons: Record<string, number>
  /** Inventory events by `type:outcome` (bronze-store.ts's CommitResult). */
  inventory: Record<string, number>
}

interface PendingGroup {
  topics: string[]
  clientIds: (string | null)[]
  receivedAtMs: number[]
  payloadBytes: number[]
  payloads: Uint8Array[]
  storedBytes: number
  callbacks: AckCallback[]
}

function emptyGroup(): PendingGroup {
  return { topics: [], clientIds: [], receivedAtMs: [], payloadBytes: [], payloads: [], storedBytes: 0, callbacks: [] }
}

export interface GroupCommitOptions {
  maxPayloadBytes: number
  rejectPayloadKeepBytes: number
  maxGroupMessages: number
  logger: Logger
  /** Hands a group to the thread that commits it (which answers `committed` or `failed`). */
  send: (group: PackedGroup) => void
  /** A commit failed because the disk is full (SQLITE_FULL): the caller pauses intake. */
  onDiskFull?: () => void
  /** A committed group refused some messages: what to tell their devices (after their acks). */
  onNotices?: (notices: DeviceNotices[]) => void
}

/** SQLite's words for SQLITE_FULL and SQLITE_IOERR on a full disk. */
const DISK_FULL = /database or disk is full|SQLITE_FULL|ENOSPC|No space left/i

/** A group sent to the committing thread: only what its answer needs (its payloads were copied). */
interface SentGroup {
  id: number
  callbacks: AckCallback[]
}

/**
 * Groups sent to the committing thread before the previous one is answered. With one, the broker
 * thread and that thread take turns (aedes reads a connection's next chunk only when the current
 * one is acked, so every connection waits on the same commit); with two, one group commits while
 * the acks of the last are sent and the next one gathers. Measured: docs/benchmarks.md.
 */
const MAX_GROUPS_IN_FLIGHT = 2

/** Payload bytes in one group, whatever the message count: bounds the copy and the transaction. */
const MAX_GROUP_BYTES = 8 * 1024 * 1024

/**
 * Group commit, the broker-thread side. Messages submitted while commits run gather into the next
 * group, sent to the committing thread as soon as a slot is free. So the group size follows the
 * commit latency: one message per commit when idle, hundreds under load, and one fsync per group.
 * Nothing is acked before that thread says the transaction committed.
 */
export class GroupCommit {
  private open = true
  /** Why nothing can be committed any more (the committing thread is gone), or undefined. */
  private failure: Error | undefined
  /** Why new messages are refused for now (the disk is full), or undefined. */
  private pausedFor: string | undefined
  private readonly throttled: LogThrottle
  private pending = emptyGroup()
  /** Groups posted to the worker and not yet answered, oldest first (it commits in order). */
  private inFlight: SentGroup[] = []
  private flushScheduled = false
  private nextId = 1
  private drainWaiters: (() => void)[] = []
  readonly totals: IngestTotals = { messages: 0, accepted: 0, duplicates: 0, rejected: 0, commits: 0, rejectReasons: {}, inventory: {} }

  constructor(private readonly options: GroupCommitOptions) {
    this.throttled = new LogThrottle(options.logger)
  }

  /**
   * Refuses new messages for now (not acked, so devices keep them and resend: the disk is full);
   * what is submitted still commits. `resume` takes them again.
   */
  pause(reason: string): void {
    this.pausedFor = reason
  }

  resume(): void {
    this.pausedFor = undefined
  }

  /**
   * Queues one message; `done` runs after its group committed. A payload over `maxPayloadBytes`
   * is kept only up to `rejectPayloadKeepBytes`: it becomes a reject row, not a sale.
   */
  submit(topic: string, clientId: string | null, payload: Uint8Array, receivedAtMs: number, done: AckCallback): void {
    if (this.failure) {
      done(new MedallionError('BRONZE_COMMIT_FAILED', `bronze cannot commit: ${this.failure.message}`))
      return
    }
    if (!this.open) {
      done(new MedallionError('INTAKE_CLOSED', 'bronze intake is closed'))
      return
    }
    if (this.pausedFor !== undefined) {
      done(new MedallionError('DISK_FULL', this.pausedFor))
      return
    }
    const { maxPayloadBytes, rejectPayloadKeepBytes } = this.options
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

  /** The committing thread answered a group. */
  answered(id: number, outcome: { result: CommitResult } | { error: string }): void {
    const group = this.inFlight[0]
    if (!group || group.id !== id) {
      this.failAll(new Error(`the bronze commit thread answered group ${id}, expected ${group?.id}`))
      return
    }
    this.inFlight.shift()
    if ('result' in outcome) {
      this.count(outcome.result)
      for (const done of group.callbacks) done(null)
      if (outcome.result.notices.length > 0) this.options.onNotices?.(outcome.result.notices)
    } else {
      // Not durable, so not acked: the clients are disconnected and resend (QoS 1/2).
      const full = DISK_FULL.test(outcome.error)
      const error = new MedallionError(full ? 'DISK_FULL' : 'BRONZE_COMMIT_FAILED', `bronze commit failed: ${outcome.error}`)
      // Once a minute at most: a full disk fails every commit until intake pauses.
      this.throttled.log('error', outcome.error, { err: error.message, messages: group.callbacks.length }, 'bronze commit failed; messages not acked')
      if (full) this.options.onDiskFull?.()
      for (const done of group.callbacks) done(error)
    }
    if (this.pending.callbacks.length > 0) this.flush()
    else if (this.inFlight.length === 0) this.notifyDrained()
  }

  /** The committing thread is gone: nothing submitted can be acked any more, nor later. */
  failAll(error: Error): void {
    this.open = false
    this.failure = error
    const groups = [...this.inFlight, this.pending]
    this.inFlight = []
    this.pending = emptyGroup()
    for (const group of groups) for (const done of group.callbacks) done(error)
    this.notifyDrained()
  }

  /** Refuses further messages (stopping); what is submitted still commits. */
  close(): void {
    this.open = false
  }

  private flush(): void {
    if (this.inFlight.length >= MAX_GROUPS_IN_FLIGHT || this.pending.callbacks.length === 0) return
    const group = this.takeGroup()
    const id = this.nextId++
    this.inFlight.push({ id, callbacks: group.callbacks })
    this.options.send(pack(id, group))
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

  private count(result: CommitResult): void {
    const totals = this.totals
    totals.commits++
    totals.messages += result.messages
    totals.accepted += result.accepted
    totals.duplicates += result.duplicates
    totals.rejected += result.rejected
    for (const [key, count] of Object.entries(result.inventory)) totals.inventory[key] = (totals.inventory[key] ?? 0) + count
    for (const [reason, count] of Object.entries(result.rejectReasons)) {
      totals.rejectReasons[reason] = (totals.rejectReasons[reason] ?? 0) + count
    }
    if (result.rejected > 0) {
      // A device sending junk in a loop would otherwise log a line per commit.
      this.throttled.log(
        'warn',
        'rejects',
        { rejectReasons: result.rejectReasons, rejected: result.rejected },
        'stored rejected sales (bronze.iot_sales_rejects; counts in /metrics)',
      )
    }
  }

  private notifyDrained(): void {
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const resolve of waiters) resolve()
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
