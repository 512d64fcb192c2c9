import { randomUUID } from 'node:crypto'
import type { SqliteDatabase } from '../db/open.js'
import type { SnapshotManifest } from '../contract/snapshot-manifest.js'

/**
 * The one writer of gateway.db's `snapshots` and `snapshot_state` (schema.ts): what was made, its
 * files' fate, and the making's own progress. Delivery, retention and backup read these tables and
 * change them only through here.
 */

/** Records a snapshot whose files are in place (inside the caller's transaction). */
export function recordSnapshot(db: SqliteDatabase, manifest: SnapshotManifest): void {
  const bytes = manifest.files.reduce((sum, file) => sum + file.bytes, 0)
  db.prepare(
    `INSERT INTO snapshots (snapshot_id, store_id, sale_date, version, content_sha256, supersedes, manifest, bytes, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    manifest.snapshot_id,
    manifest.store_id,
    manifest.sale_date,
    manifest.version,
    manifest.content_sha256,
    manifest.supersedes,
    JSON.stringify(manifest),
    bytes,
    manifest.created_at,
  )
}

/** Its files left the disk (the disk bound freed them, or a backup could not copy them): the record and manifest stay. */
export function forgetFiles(db: SqliteDatabase, snapshotId: string): void {
  db.prepare('UPDATE snapshots SET on_disk = 0 WHERE snapshot_id = ?').run(snapshotId)
}

/** Its files no longer match its manifest: the next snapshot run makes its day again, as a new version. */
export function markDamaged(db: SqliteDatabase, snapshotId: string): void {
  db.prepare('UPDATE snapshots SET damaged = 1 WHERE snapshot_id = ?').run(snapshotId)
}

/** The gold refreshes (gold.refreshed_days seq) snapshots have read up to: 0 before the first run. */
export function snapshotWatermark(db: SqliteDatabase): number {
  return (db.prepare("SELECT value FROM main.snapshot_state WHERE name = 'refreshed_seq'").pluck().get() as number | undefined) ?? 0
}

export function setSnapshotWatermark(db: SqliteDatabase, seq: number): void {
  db.prepare("INSERT OR REPLACE INTO main.snapshot_state (name, value) VALUES ('refreshed_seq', ?)").run(seq)
}

/**
 * This data directory's identity, in every manifest and the snapshot listing: seqs restart when the
 * data directory is replaced, and a puller that sees a new id starts its cursor over instead of
 * waiting past seqs that will never come.
 */
export function gatewayInstanceId(db: SqliteDatabase): string {
  db.prepare("INSERT OR IGNORE INTO main.snapshot_state (name, value) VALUES ('instance_id', ?)").run(randomUUID())
  return db.prepare("SELECT value FROM main.snapshot_state WHERE name = 'instance_id'").pluck().get() as string
}

/** A restored copy is another data directory to central: it gets a new identity at its first use. */
export function forgetInstanceId(db: SqliteDatabase): void {
  db.prepare("DELETE FROM main.snapshot_state WHERE name = 'instance_id'").run()
}
