import { isUtf8 } from 'node:buffer'
import type { SqliteDatabase } from '../db/open.js'
import { eventTopicOwner, parseEventMessage, type MessageLimits } from './parse-message.js'
import { INVENTORY_TYPES } from './validate-inventory.js'
import { eventTables, type EventTables } from './event-kinds.js'
import type { RejectReason } from './reject-reason.js'
import type { DeviceNotices } from '../contract/reject-notice.js'
import { NoticeCollector } from './notice-collector.js'

/** One MQTT message as the broker handed it over. */
export interface IncomingMessage {
  topic: string
  clientId: string | null
  /** The payload, or its first `rejectPayloadKeepBytes` when it is larger than the limit. */
  payload: Uint8Array
  /** Size of the payload as received. */
  payloadBytes: number
  receivedAtMs: number
}

export interface CommitResult {
  messages: number
  accepted: number
  duplicates: number
  rejected: number
  rejectReasons: Partial<Record<RejectReason, number>>
  /** Inventory events by `type:outcome` (`count:accepted`, `receipt:duplicate`, `invalid:rejected`...), for the metrics. */
  inventory: Record<string, number>
  /** What to tell each device that sent a refused message (published once the group is on disk). */
  notices: DeviceNotices[]
}

/** A reject row's size beyond its text: id, times, numbers, reason, field, record and index overhead. */
const REJECT_ROW_OVERHEAD = 96
/** A reject row's approximate size in the file, as counted against retention.rejectsMaxMiB. */
const REJECT_ROW_BYTES = `(${REJECT_ROW_OVERHEAD} + coalesce(length(CAST(payload AS BLOB)), 0) + length(topic) + coalesce(length(client_id), 0) + length(detail))`

export interface BronzeStoreOptions extends MessageLimits {
  rejectPayloadKeepBytes: number
  /** Rejects above this size (rows counted with their text): the oldest are dropped in the commit that overflows. */
  rejectsMaxBytes?: number
  /** Note each sending device in bronze.device_activity (default true; an import is not a device to watch). */
  noteDevices?: boolean
}

/**
 * Writes messages into bronze: each event into its table (`iot_sales_raw`, `iot_sale_voids`,
 * `iot_inventory_raw`: bronze/event-kinds.ts), each refusal into `iot_sales_rejects`, whatever the
 * topic. `commit` stores a whole group of messages in one transaction (group commit): one fsync for all of them.
 */
export class BronzeStore {
  private readonly tables: EventTables
  private readonly insertReject
  private readonly noteActivity
  private readonly commitGroup
  private readonly oldestRejects
  private readonly deleteRejectsUpTo
  private readonly addState
  private readonly sumRejectBytes
  /** Bytes the rejects table holds, as REJECT_ROW_BYTES counts them (known at start, then counted). */
  private rejectBytes: number
  /** When each device's activity row was last written (this process): at most once a second. */
  private readonly activityNotedAt = new Map<string, number>()
  private lastReceivedMs = Number.NaN
  private lastReceivedIso = ''

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: BronzeStoreOptions,
  ) {
    this.tables = eventTables(db)
    this.insertReject = db.prepare(`
      INSERT INTO bronze.iot_sales_rejects (received_at, topic, client_id, item_index, reason, field, detail, payload, payload_bytes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.noteActivity = db.prepare(`
      INSERT INTO bronze.device_activity (device_id, store_id, last_received_at, last_sale_ts_ms) VALUES (?, ?, ?, ?)
      ON CONFLICT (device_id) DO UPDATE SET store_id = excluded.store_id, last_received_at = excluded.last_received_at,
        last_sale_ts_ms = excluded.last_sale_ts_ms`)
    this.oldestRejects = db.prepare<[number], { id: number; bytes: number }>(
      `SELECT id, ${REJECT_ROW_BYTES} AS bytes FROM bronze.iot_sales_rejects ORDER BY id LIMIT ?`,
    )
    this.deleteRejectsUpTo = db.prepare('DELETE FROM bronze.iot_sales_rejects WHERE id <= ?')
    this.addState = db.prepare(`INSERT INTO bronze.bronze_state (name, value) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`)
    this.sumRejectBytes = db.prepare(`SELECT coalesce(sum(${REJECT_ROW_BYTES}), 0) FROM bronze.iot_sales_rejects`).pluck()
    this.rejectBytes = options.rejectsMaxBytes === undefined ? 0 : (this.sumRejectBytes.get() as number)
    this.commitGroup = db.transaction((messages: readonly IncomingMessage[], noted: [string, number][]) => this.storeAll(messages, noted))
  }

  /** Stores every message of the group in one transaction; throws when the database refuses. */
  commit(messages: readonly IncomingMessage[]): CommitResult {
    const noted: [string, number][] = []
    const result = this.commitGroup(messages, noted)
    // Only once the group is on disk: a rolled-back note is written again with the next sale.
    if (this.activityNotedAt.size > MAX_DEVICES_REMEMBERED) this.activityNotedAt.clear()
    for (const [deviceId, receivedAtMs] of noted) this.activityNotedAt.set(deviceId, receivedAtMs)
    return result
  }

  private storeAll(messages: readonly IncomingMessage[], noted: [string, number][]): CommitResult {
    const result: CommitResult = { messages: messages.length, accepted: 0, duplicates: 0, rejected: 0, rejectReasons: {}, inventory: {}, notices: [] }
    const notices = new NoticeCollector()
    // Each device's last new event of the group (a sale, a void, an inventory event: a scanner that
    // only counts is not silent), noted once per device rather than once per event.
    const lastEventOf = new Map<string, { storeId: string; tsMs: number; receivedAt: string; receivedAtMs: number }>()
    for (const message of messages) {
      const receivedAt = this.isoTime(message.receivedAtMs)
      const verdict = parseEventMessage(message.topic, message.payload, message.payloadBytes, this.options)
      for (const event of verdict.events) {
        let stored: boolean
        let tsMs: number
        if (event.table === 'sale') {
          stored = this.tables.sale.insertOnce(event, receivedAt, message.receivedAtMs)
          tsMs = event.saleTsMs
        } else if (event.table === 'void') {
          stored = this.tables.void.insertOnce(event, receivedAt, message.receivedAtMs)
          tsMs = event.saleTsMs
        } else {
          stored = this.tables.inventory.insertOnce(event, receivedAt, message.receivedAtMs)
          tsMs = event.tsMs
          tally(result.inventory, `${event.type}:${stored ? 'accepted' : 'duplicate'}`)
        }
        if (stored) {
          result.accepted++
          if (this.options.noteDevices !== false)
            lastEventOf.set(event.deviceId, { storeId: event.storeId, tsMs, receivedAt, receivedAtMs: message.receivedAtMs })
        } else {
          result.duplicates++
        }
      }
      for (const reject of verdict.rejects) {
        const kept = payloadToKeep(reject.payload, this.options.rejectPayloadKeepBytes)
        this.insertReject.run(
          receivedAt,
          message.topic,
          message.clientId,
          reject.itemIndex,
          reject.reason,
          reject.field,
          reject.detail,
          kept,
          message.payloadBytes,
        )
        this.rejectBytes +=
          REJECT_ROW_OVERHEAD +
          (kept === null ? 0 : typeof kept === 'string' ? Buffer.byteLength(kept) : kept.byteLength) +
          message.topic.length +
          (message.clientId?.length ?? 0) +
          reject.detail.length
        result.rejected++
        result.rejectReasons[reject.reason] = (result.rejectReasons[reject.reason] ?? 0) + 1
        if (eventTopicOwner(message.topic)?.kind === 'inventory') tally(result.inventory, `${inventoryTypeOf(reject.payload)}:rejected`)
        notices.add(message.topic, reject, receivedAt)
      }
    }
    result.notices = notices.devices
    this.trimRejects()
    for (const [deviceId, { storeId, tsMs, receivedAt, receivedAtMs }] of lastEventOf) {
      // Within the second after the last note: skipped; a clock that stepped back (NTP) writes at once.
      const sinceNoted = receivedAtMs - (this.activityNotedAt.get(deviceId) ?? Number.NEGATIVE_INFINITY)
      if (sinceNoted >= 0 && sinceNoted < ACTIVITY_RESOLUTION_MS) continue
      this.noteActivity.run(deviceId, storeId, receivedAt, tsMs)
      noted.push([deviceId, receivedAtMs])
    }
    return result
  }

  /**
   * Keeps the rejects under their byte bound: over it, the oldest go (to 90% of the bound, so not
   * at every commit), counted in bronze_state. Inside the commit: a flood of junk pays for itself.
   */
  private trimRejects(): void {
    const max = this.options.rejectsMaxBytes
    if (max === undefined || this.rejectBytes <= max) return
    // Retention (another thread) deletes old rejects too: count again before dropping any.
    this.rejectBytes = this.sumRejectBytes.get() as number
    if (this.rejectBytes <= max) return
    let dropped = 0
    let droppedBytes = 0
    while (this.rejectBytes > max * 0.9) {
      const oldest = this.oldestRejects.all(1000)
      if (oldest.length === 0) break
      let upTo = oldest[0]!.id
      for (const row of oldest) {
        upTo = row.id
        this.rejectBytes -= row.bytes
        droppedBytes += row.bytes
        dropped++
        if (this.rejectBytes <= max * 0.9) break
      }
      this.deleteRejectsUpTo.run(upTo)
    }
    this.addState.run('rejects_dropped', dropped)
    this.addState.run('rejects_dropped_bytes', droppedBytes)
  }

  // Messages of one group often share a millisecond; formatting once per millisecond is cheaper.
  private isoTime(ms: number): string {
    if (ms !== this.lastReceivedMs) {
      this.lastReceivedMs = ms
      this.lastReceivedIso = new Date(ms).toISOString()
    }
    return this.lastReceivedIso
  }
}

function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1
}

/** A refused inventory item's `type` when it is one (else `invalid`): refusals only, so parsing again costs nothing that matters. */
function inventoryTypeOf(payload: string | Uint8Array | null): string {
  if (typeof payload !== 'string') return 'invalid'
  try {
    const type = (JSON.parse(payload) as { type?: unknown } | null)?.type
    return typeof type === 'string' && (INVENTORY_TYPES as readonly string[]).includes(type) ? type : 'invalid'
  } catch {
    return 'invalid'
  }
}

/**
 * bronze.device_activity is written at most once a second per device: device health reads it to
 * the second. One upsert per device per group cost 20% of the bronze commit rate when every message
 * of a group came from another device (400 devices, groups of 400; 8 devices: no difference).
 */
const ACTIVITY_RESOLUTION_MS = 1000
/** Devices remembered for that; past it the memory starts over (anonymous ids are unbounded). */
const MAX_DEVICES_REMEMBERED = 100_000

/**
 * What a reject row keeps of a payload: at most `maxBytes`, as TEXT when that prefix is valid
 * UTF-8 (cut on a character boundary), else as a BLOB of the raw bytes.
 */
function payloadToKeep(payload: string | Uint8Array | null, maxBytes: number): string | Buffer | null {
  if (payload === null) return null
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  if (typeof payload === 'string' && bytes.byteLength <= maxBytes) return payload
  let end = Math.min(bytes.byteLength, maxBytes)
  if (end < bytes.byteLength) {
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end-- // step back off a continuation byte
  }
  const prefix = bytes.subarray(0, end)
  return isUtf8(prefix) ? prefix.toString('utf8') : Buffer.from(bytes.subarray(0, Math.min(bytes.byteLength, maxBytes)))
}
