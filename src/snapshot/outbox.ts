import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SqliteDatabase } from '../db/open.js'
import { manifestPath } from './gold-parquet-schema.js'
import type { SnapshotManifest } from './manifest.js'
import type { UploadTarget } from './targets/upload-target.js'

export interface OutboxOptions {
  /** Where the snapshot directories are. */
  dir: string
  retry: { baseDelayMs: number; maxDelayMs: number }
  now?: () => number
  random?: () => number
}

export interface ShipOutcome {
  shipped: string[]
  failed: { snapshotId: string; target: string; error: string }[]
}

export interface Backlog {
  pending: number
  oldestDate: string | null
  nextAttemptAt: string | null
  lastError: string | null
}

/**
 * The durable outbox: what must be shipped to which target, in gateway.db, surviving restarts and
 * outages. Snapshots leave oldest date first; a snapshot's files go before its manifest, so a
 * reader that sees a manifest finds all its files. A failure waits (exponential backoff with full
 * jitter, up to retry.maxDelayMs), and nothing later overtakes it: the order holds, and a snapshot
 * that keeps failing shows as the backlog's oldest date and last error. Object
 * names are the snapshot's own, so a retry after a crash rewrites the same object, never a second.
 */
export class Outbox {
  private readonly now: () => number
  private readonly random: () => number

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: OutboxOptions,
  ) {
    this.now = options.now ?? Date.now
    this.random = options.random ?? Math.random
  }

  async shipDue(targets: readonly UploadTarget[]): Promise<ShipOutcome> {
    const outcome: ShipOutcome = { shipped: [], failed: [] }
    for (const target of targets) {
      const pending = this.db.prepare(`SELECT o.snapshot_id, o.attempts, o.next_attempt_at, s.manifest FROM outbox o JOIN snapshots s USING (snapshot_id)
        WHERE o.target = ? AND o.state = 'pending' ORDER BY s.sale_date, s.store_id, s.version LIMIT 500`)
        .all(target.name) as { snapshot_id: string; attempts: number; next_attempt_at: string; manifest: string }[]
      const now = new Date(this.now()).toISOString()
      for (const item of pending) {
        // Strict date order: nothing overtakes a snapshot that waits for its retry.
        if (item.next_attempt_at > now) break
        try {
          await this.ship(target, item.snapshot_id, item.manifest)
        } catch (error) {
          const message = (error as Error).message
          const wait = Math.floor(this.random() * Math.min(this.options.retry.maxDelayMs, this.options.retry.baseDelayMs * 2 ** item.attempts))
          this.db.prepare(`UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE snapshot_id = ? AND target = ?`)
            .run(new Date(this.now() + wait).toISOString(), message, item.snapshot_id, target.name)
          outcome.failed.push({ snapshotId: item.snapshot_id, target: target.name, error: message })
          break // keep the date order: the rest of this target waits for this one
        }
        this.db.prepare(`UPDATE outbox SET state = 'shipped', shipped_at = ?, last_error = NULL WHERE snapshot_id = ? AND target = ?`)
          .run(new Date(this.now()).toISOString(), item.snapshot_id, target.name)
        outcome.shipped.push(item.snapshot_id)
      }
    }
    return outcome
  }

  backlog(): Backlog {
    return this.db.prepare(`SELECT count(*) AS pending, min(s.sale_date) AS oldestDate, min(o.next_attempt_at) AS nextAttemptAt,
        (SELECT last_error FROM outbox WHERE state = 'pending' AND last_error IS NOT NULL ORDER BY next_attempt_at LIMIT 1) AS lastError
      FROM outbox o JOIN snapshots s USING (snapshot_id) WHERE o.state = 'pending'`).get() as Backlog
  }

  private async ship(target: UploadTarget, snapshotId: string, manifestJson: string): Promise<void> {
    const manifest = JSON.parse(manifestJson) as SnapshotManifest
    for (const file of manifest.files) {
      const bytes = await readFile(join(this.options.dir, snapshotId, file.path))
      await target.put(file.path, bytes, 'application/vnd.apache.parquet')
    }
    await target.put(manifestPath(snapshotId), Buffer.from(manifestJson), 'application/json')
  }
}
