import type { Statement } from 'better-sqlite3'
import { lockedTransaction } from '../db/locked-transaction.js'
import type { SqliteDatabase } from '../db/open.js'
import { backoffMs, type RetryPolicy } from '../util/backoff.js'
import { manifestPath } from '../snapshot/gold-parquet-schema.js'
import type { SnapshotManifest } from '../contract/snapshot-manifest.js'
import { enqueuedSeq, noteEnqueued, pulledSeq } from './delivery-state.js'
import { markDamaged } from '../snapshot/snapshot-catalog.js'
import { readVerifiedFile } from './verified-file.js'
import type { UploadTarget } from './targets/upload-target.js'

/** A snapshot whose files on disk are not what its manifest says. */
class DamagedSnapshotError extends Error {}

export interface OutboxOptions {
  /** Where the snapshot directories are. */
  dir: string
  retry: RetryPolicy
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
  /** When a snapshot last reached a target. */
  lastShippedAt: string | null
  /** When central last pulled (listed the snapshots). */
  lastPulledAt: string | null
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
  private readonly pending: Statement
  private readonly retryLater: Statement
  private readonly shipped: Statement
  private readonly started: Statement
  private readonly backlogQuery: Statement

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: OutboxOptions,
  ) {
    this.now = options.now ?? Date.now
    this.random = options.random ?? Math.random
    this.pending = db.prepare(`SELECT o.snapshot_id, o.attempts, o.next_attempt_at, s.manifest FROM outbox o JOIN snapshots s USING (snapshot_id)
      WHERE o.target = ? AND o.state = 'pending' ORDER BY s.sale_date, s.store_id, s.version LIMIT 500`)
    this.retryLater = db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE snapshot_id = ? AND target = ?')
    this.shipped = db.prepare("UPDATE outbox SET state = 'shipped', shipped_at = ?, last_error = NULL WHERE snapshot_id = ? AND target = ?")
    this.started = db.prepare('UPDATE outbox SET started_at = coalesce(started_at, ?) WHERE snapshot_id = ? AND target = ?')
    this.backlogQuery = db.prepare(BACKLOG_SQL)
  }

  async shipDue(targets: readonly UploadTarget[]): Promise<ShipOutcome> {
    this.enqueueNew(targets.map((target) => target.name))
    const outcome: ShipOutcome = { shipped: [], failed: [] }
    for (const target of targets) {
      const pending = this.pending.all(target.name) as { snapshot_id: string; attempts: number; next_attempt_at: string; manifest: string }[]
      const now = new Date(this.now()).toISOString()
      for (const item of pending) {
        // Strict date order: nothing overtakes a snapshot that waits for its retry.
        if (item.next_attempt_at > now) break
        try {
          await this.ship(target, item.snapshot_id, item.manifest)
        } catch (error) {
          const message = (error as Error).message
          if (error instanceof DamagedSnapshotError) {
            // A retry cannot mend it, and waiting would hold up every later day: the next snapshot
            // run makes the day again from gold, as a new version.
            this.setAsideDamaged(item.snapshot_id, message)
            outcome.failed.push({ snapshotId: item.snapshot_id, target: target.name, error: message })
            continue
          }
          const wait = backoffMs(item.attempts + 1, this.options.retry, this.random)
          this.retryLater.run(new Date(this.now() + wait).toISOString(), message, item.snapshot_id, target.name)
          outcome.failed.push({ snapshotId: item.snapshot_id, target: target.name, error: message })
          break // keep the date order: the rest of this target waits for this one
        }
        this.shipped.run(new Date(this.now()).toISOString(), item.snapshot_id, target.name)
        outcome.shipped.push(item.snapshot_id)
      }
    }
    return outcome
  }

  /**
   * Makes the outbox follow the configured upload target. Every current snapshot delivered nowhere
   * (nothing shipped, not acknowledged by central's pull, not superseded) is queued for it, so a
   * backlog follows a target change and a switch from pull to push sends what central has not
   * pulled; pending rows of targets no longer configured are abandoned. The snapshots made since
   * the queue last looked are queued first, as any new snapshot is: a snapshot made just before a
   * restart, and pulled by central meanwhile, still goes to the target.
   */
  retarget(configured: readonly string[]): { queued: number; abandoned: number } {
    const targets = JSON.stringify(configured)
    return lockedTransaction(this.db, 'main', () => {
      this.enqueueNew(configured)
      const queued = this.db
        .prepare(
          `INSERT INTO outbox (snapshot_id, target, state, next_attempt_at)
        SELECT s.snapshot_id, t.value, 'pending', ? FROM snapshots s, json_each(?) t
        WHERE s.on_disk = 1 AND s.seq > ?
          AND s.damaged = 0
          AND NOT EXISTS (SELECT 1 FROM snapshots n WHERE n.store_id = s.store_id AND n.sale_date = s.sale_date AND n.version > s.version)
          AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.snapshot_id = s.snapshot_id AND (o.state = 'shipped' OR (o.target = t.value AND o.state <> 'abandoned')))
        ON CONFLICT (snapshot_id, target) DO UPDATE SET state = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL`,
        )
        .run(new Date(this.now()).toISOString(), targets, pulledSeq(this.db)).changes
      const abandoned = this.db
        .prepare(`UPDATE outbox SET state = 'abandoned' WHERE state = 'pending' AND target NOT IN (SELECT value FROM json_each(?))`)
        .run(targets).changes
      return { queued, abandoned }
    })
  }

  /** Queues the snapshots made since the last look for `targets` (see enqueueNewSnapshots). */
  enqueueNew(targets: readonly string[]): number {
    return enqueueNewSnapshots(this.db, targets, this.now())
  }

  private setAsideDamaged(snapshotId: string, message: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE outbox SET state = 'damaged', last_error = ? WHERE snapshot_id = ? AND state = 'pending'").run(message, snapshotId)
      markDamaged(this.db, snapshotId)
    })()
  }

  /**
   * After a crash: what a put cut short left at each target, for the snapshots waiting to ship
   * there (the one being shipped when the process died is among them).
   */
  async removeStaged(targets: readonly UploadTarget[]): Promise<void> {
    const waiting = this.db.prepare(
      "SELECT s.snapshot_id, s.manifest FROM outbox o JOIN snapshots s USING (snapshot_id) WHERE o.target = ? AND o.state = 'pending'",
    )
    for (const target of targets) {
      if (target.removeStaged === undefined) continue
      const rows = waiting.all(target.name) as { snapshot_id: string; manifest: string }[]
      const keys = rows.flatMap((row) => [...(JSON.parse(row.manifest) as SnapshotManifest).files.map((file) => file.path), manifestPath(row.snapshot_id)])
      await target.removeStaged(keys)
    }
  }

  backlog(): Backlog {
    return this.backlogQuery.get() as Backlog
  }

  private async ship(target: UploadTarget, snapshotId: string, manifestJson: string): Promise<void> {
    const manifest = JSON.parse(manifestJson) as SnapshotManifest
    for (const file of manifest.files) {
      // A file the disk damaged must not leave under a manifest that vouches for it.
      const bytes = await readVerifiedFile(this.options.dir, snapshotId, file)
      if (bytes === 'missing') throw new DamagedSnapshotError(`${snapshotId} ${file.path}: the file is missing from the disk`)
      if (bytes === 'damaged') throw new DamagedSnapshotError(`${snapshotId} ${file.path}: the file on disk no longer matches its manifest's sha256`)
      await target.put(file.path, bytes, 'application/vnd.apache.parquet')
      // A file of it is at the target: from now on it ships whole, even once superseded.
      this.started.run(new Date(this.now()).toISOString(), snapshotId, target.name)
    }
    await target.put(manifestPath(snapshotId), Buffer.from(manifestJson), 'application/json')
  }
}

/**
 * Queues the snapshots made since the last call for each target, in the order they were made. An
 * older version of a day none of whose files reached the target need not: the new one replaces it
 * whole, so it is skipped (one cut after a file, by a crash or a failed put, ships whole). With no target the snapshots are only counted as seen (central pulls them).
 */
export function enqueueNewSnapshots(db: SqliteDatabase, targets: readonly string[], nowMs: number): number {
  const newest = db.prepare('SELECT coalesce(max(seq), 0) FROM snapshots').pluck()
  // Most calls (every upload minute) find nothing new: they take no lock.
  if ((newest.get() as number) <= enqueuedSeq(db)) return 0
  // gateway.db's write lock only: BEGIN IMMEDIATE would lock bronze.db too, attached here, and hold up ingest.
  return lockedTransaction(db, 'main', () => {
    const from = enqueuedSeq(db)
    const made = db.prepare('SELECT seq, snapshot_id, store_id, sale_date, version FROM snapshots WHERE seq > ? ORDER BY seq').all(from) as {
      seq: number
      snapshot_id: string
      store_id: string
      sale_date: string
      version: number
    }[]
    if (made.length === 0) return 0
    // Not one with a file at the target already: it goes whole.
    const skipOlder = db.prepare(`UPDATE outbox SET state = 'skipped' WHERE target = ? AND state = 'pending' AND started_at IS NULL
      AND snapshot_id IN (SELECT snapshot_id FROM snapshots WHERE store_id = ? AND sale_date = ? AND version < ?)`)
    const enqueue = db.prepare("INSERT INTO outbox (snapshot_id, target, state, next_attempt_at) VALUES (?, ?, 'pending', ?) ON CONFLICT DO NOTHING")
    const now = new Date(nowMs).toISOString()
    for (const snapshot of made) {
      for (const target of targets) {
        skipOlder.run(target, snapshot.store_id, snapshot.sale_date, snapshot.version)
        enqueue.run(snapshot.snapshot_id, target, now)
      }
    }
    noteEnqueued(db, made.at(-1)!.seq)
    return made.length
  })
}

/** What waits to ship: outbox and snapshots only, tables every gateway.db has had since 0.1.0. */
const PENDING_SQL = `SELECT count(*) AS pending, min(s.sale_date) AS oldestDate, min(o.next_attempt_at) AS nextAttemptAt,
    (SELECT last_error FROM outbox WHERE state = 'pending' AND last_error IS NOT NULL ORDER BY next_attempt_at LIMIT 1) AS lastError,
    (SELECT max(shipped_at) FROM outbox WHERE state = 'shipped') AS lastShippedAt
  FROM outbox o JOIN snapshots s USING (snapshot_id) WHERE o.state = 'pending'`

const BACKLOG_SQL = `SELECT p.*, (SELECT value FROM delivery_state WHERE name = 'pulled_at') AS lastPulledAt FROM (${PENDING_SQL}) p`

/**
 * What waits to be shipped, for `status` (which has no Outbox and opens the files as they are: a
 * gateway.db a newer release has not opened yet has no delivery_state, and no pull is shown).
 */
export function readBacklog(db: SqliteDatabase): Omit<Backlog, 'lastPulledAt'> {
  return db.prepare(PENDING_SQL).get() as Omit<Backlog, 'lastPulledAt'>
}
