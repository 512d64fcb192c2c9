import Database from 'better-sqlite3'
import { databaseFile } from '../db/open.js'

/** A device's last accepted sale (bronze.device_activity). */
export interface DeviceActivity {
  device_id: string
  store_id: string
  last_received_at: string
  last_sale_ts_ms: number
}

/**
 * What the HTTP API reads of bronze, on a read-only connection to bronze.db: the latest refused
 * messages (admin), rejects by reason since a time, the newest and the oldest waiting sale, and
 * each device's last sale. Every query is a primary-key or index lookup, or bounded by time.
 */
export class BronzeReader {
  private readonly db: Database.Database
  private readonly latest
  private readonly latestOfReason
  private readonly reasonsSince
  private readonly newestReceived
  private readonly firstAfter
  private readonly activity

  constructor(dataDir: string) {
    this.db = new Database(databaseFile(dataDir, 'bronze'), { readonly: true, fileMustExist: true })
    this.db.pragma('busy_timeout = 1000')
    // A BLOB payload (not UTF-8) is shown as hex: JSON has no bytes.
    const columns = `id, received_at, topic, client_id, item_index, reason, field, detail,
      CASE typeof(payload) WHEN 'blob' THEN 'hex:' || hex(payload) ELSE payload END AS payload, payload_bytes`
    this.latest = this.db.prepare(`SELECT ${columns} FROM iot_sales_rejects WHERE id < ? ORDER BY id DESC LIMIT ?`)
    this.latestOfReason = this.db.prepare(`SELECT ${columns} FROM iot_sales_rejects WHERE id < ? AND reason = ? ORDER BY id DESC LIMIT ?`)
    this.reasonsSince = this.db.prepare<[string], { reason: string; count: number }>(
      'SELECT reason, count(*) AS count FROM iot_sales_rejects WHERE received_at >= ? GROUP BY reason ORDER BY count DESC, reason',
    )
    this.newestReceived = this.db.prepare('SELECT id, received_at FROM iot_sales_raw ORDER BY id DESC LIMIT 1')
    this.firstAfter = this.db.prepare('SELECT received_at FROM iot_sales_raw WHERE id > ? ORDER BY id LIMIT 1').pluck()
    this.activity = this.db.prepare('SELECT device_id, store_id, last_received_at, last_sale_ts_ms FROM device_activity')
  }

  latestRejects(query: { limit: number; reason?: string; before?: number }): Record<string, unknown>[] {
    const before = query.before ?? Number.MAX_SAFE_INTEGER
    return (query.reason === undefined ? this.latest.all(before, query.limit) : this.latestOfReason.all(before, query.reason, query.limit)) as Record<
      string,
      unknown
    >[]
  }

  /** Rejects received at or after an ISO time, counted by reason, most frequent first. */
  rejectsSince(receivedAtIso: string): { reason: string; count: number }[] {
    return this.reasonsSince.all(receivedAtIso)
  }

  /** The newest sale's bronze id and receive time, or undefined when bronze is empty. */
  newestSale(): { id: number; received_at: string } | undefined {
    return this.newestReceived.get() as { id: number; received_at: string } | undefined
  }

  /** When the first sale after a bronze id (a watermark) was received: how long it has waited. */
  receivedAfter(id: number): string | undefined {
    return this.firstAfter.get(id) as string | undefined
  }

  devices(): DeviceActivity[] {
    return this.activity.all() as DeviceActivity[]
  }

  close(): void {
    this.db.close()
  }
}
