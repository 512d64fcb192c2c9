import type { SqliteDatabase } from '../db/open.js'

/**
 * main.delivery_state, delivery's cursors, written only here: how far the outbox has queued the
 * snapshots (`enqueued_seq`), how far central's pull acknowledged them (`pulled_seq`) and when it
 * last pulled (`pulled_at`).
 */

/** The newest snapshot seq the outbox has queued for its targets (0: none). */
export function enqueuedSeq(db: SqliteDatabase): number {
  return (db.prepare("SELECT value FROM delivery_state WHERE name = 'enqueued_seq'").pluck().get() as number | undefined) ?? 0
}

/** The outbox queued the snapshots up to `seq` (within its transaction). */
export function noteEnqueued(db: SqliteDatabase, seq: number): void {
  db.prepare("INSERT OR REPLACE INTO delivery_state (name, value) VALUES ('enqueued_seq', ?)").run(seq)
}

/**
 * Central's pull acknowledges by asking for the snapshots `after` a seq, naming this gateway's id:
 * it holds everything up to it. The highest seq acknowledged is kept, so that with no upload
 * target the disk bound may free what central has.
 */
export function acknowledgePull(db: SqliteDatabase, after: number, newestSeq: number): void {
  // A cursor beyond the newest snapshot was counted on something else (gateway.db restored from a
  // backup): it acknowledges nothing, and the listing's last_seq tells the puller to start over.
  if (after <= 0 || after > newestSeq) return
  db.prepare(
    `INSERT INTO delivery_state (name, value) VALUES ('pulled_seq', ?)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE excluded.value > value`,
  ).run(after)
}

/** When central last listed the snapshots (the staff page's "last pull"). */
export function notePull(db: SqliteDatabase, atIso: string): void {
  db.prepare("INSERT OR REPLACE INTO delivery_state (name, value) VALUES ('pulled_at', ?)").run(atIso)
}

/** The newest snapshot's seq (0: none yet). */
export function lastSeq(db: SqliteDatabase): number {
  return db.prepare('SELECT coalesce(max(seq), 0) FROM snapshots').pluck().get() as number
}

/** The highest seq central's pull acknowledged, 0 when it never pulled. */
export function pulledSeq(db: SqliteDatabase): number {
  return (db.prepare("SELECT value FROM main.delivery_state WHERE name = 'pulled_seq'").pluck().get() as number | undefined) ?? 0
}
