import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { SqliteDatabase } from '../db/open.js'
import { forgetFiles } from '../snapshot/snapshot-catalog.js'
import { pulledSeq } from './delivery-state.js'

export interface DiskCheck {
  bytes: number
  freed: number
  /** Over the limit with nothing deletable: undelivered snapshots are all that is left. */
  full: boolean
}

/**
 * The disk bound of the snapshot files (snapshot.maxDiskMiB). Over it, the files of snapshots
 * central no longer needs are deleted, superseded ones first, then oldest dates first; the record
 * and its manifest stay. A snapshot is no longer needed when a newer version of its day exists
 * (which replaces it whole), or once delivered: shipped to the upload target when there is one
 * (`push`), else acknowledged by central's pull (`pull`: a listing asked `after` its seq). Nothing
 * pending in the outbox is deleted.
 * If undelivered snapshots alone fill the bound, `full` says so and no new snapshot is written
 * until they are delivered.
 */
export function enforceDiskBound(db: SqliteDatabase, dir: string, limitBytes: number, delivery: 'push' | 'pull'): DiskCheck {
  let bytes = db.prepare('SELECT coalesce(sum(bytes), 0) FROM snapshots WHERE on_disk = 1').pluck().get() as number
  let freed = 0
  if (bytes > limitBytes) {
    const deletable = db
      .prepare(
        `SELECT d.snapshot_id, d.bytes FROM (
        SELECT s.snapshot_id, s.bytes, s.seq, s.sale_date, s.version,
          EXISTS (SELECT 1 FROM snapshots n WHERE n.store_id = s.store_id AND n.sale_date = s.sale_date AND n.version > s.version) AS superseded,
          EXISTS (SELECT 1 FROM outbox o WHERE o.snapshot_id = s.snapshot_id AND o.state = 'shipped') AS shipped
        FROM snapshots s
        WHERE s.on_disk = 1 AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.snapshot_id = s.snapshot_id AND o.state = 'pending')) d
      WHERE d.superseded OR (? = 'push' AND d.shipped) OR (? = 'pull' AND d.seq <= ?)
      ORDER BY d.superseded DESC, d.sale_date, d.version`,
      )
      .all(delivery, delivery, pulledSeq(db)) as { snapshot_id: string; bytes: number }[]
    for (const snapshot of deletable) {
      if (bytes <= limitBytes) break
      rmSync(join(dir, snapshot.snapshot_id), { recursive: true, force: true })
      forgetFiles(db, snapshot.snapshot_id)
      bytes -= snapshot.bytes
      freed += snapshot.bytes
    }
  }
  return { bytes, freed, full: bytes > limitBytes }
}
