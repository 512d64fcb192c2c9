import Database from 'better-sqlite3'
import { databaseFile } from '../db/open.js'

/** The latest refused messages, for the admin API, on a read-only connection to bronze.db. */
export class RejectsReader {
  private readonly db: Database.Database
  private readonly latest
  private readonly latestOfReason

  constructor(dataDir: string) {
    this.db = new Database(databaseFile(dataDir, 'bronze'), { readonly: true, fileMustExist: true })
    this.db.pragma('busy_timeout = 1000')
    // A BLOB payload (not UTF-8) is shown as hex: JSON has no bytes.
    const columns = `id, received_at, topic, client_id, item_index, reason, field, detail,
      CASE typeof(payload) WHEN 'blob' THEN 'hex:' || hex(payload) ELSE payload END AS payload, payload_bytes`
    this.latest = this.db.prepare(`SELECT ${columns} FROM iot_sales_rejects WHERE id < ? ORDER BY id DESC LIMIT ?`)
    this.latestOfReason = this.db.prepare(`SELECT ${columns} FROM iot_sales_rejects WHERE id < ? AND reason = ? ORDER BY id DESC LIMIT ?`)
  }

  latestRejects(query: { limit: number; reason?: string; before?: number }): Record<string, unknown>[] {
    const before = query.before ?? Number.MAX_SAFE_INTEGER
    return (query.reason === undefined ? this.latest.all(before, query.limit) : this.latestOfReason.all(before, query.reason, query.limit)) as Record<string, unknown>[]
  }

  close(): void {
    this.db.close()
  }
}
