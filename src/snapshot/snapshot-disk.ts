import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { SqliteDatabase } from '../db/open.js'

export interface DiskCheck {
  bytes: number
  limitBytes: number
  freed: number
  /** Over the limit with nothing deletable: unshipped snapshots are all that is left. */
  full: boolean
}

/**
 * The disk bound of the snapshot files (snapshot.maxDiskMiB). Over it, the files of delivered
 * snapshots (nothing pending in the outbox) are deleted, superseded ones first, then oldest dates
 * first; the record and its manifest stay. Unshipped snapshots are never deleted: if they alone
 * fill the bound, `full` says so and no new snapshot is written until the uplink drains them.
 */
export function enforceDiskBound(db: SqliteDatabase, dir: string, limitBytes: number): DiskCheck {
  const total = (): number => db.prepare('SELECT coalesce(sum(bytes), 0) FROM snapshots WHERE on_disk = 1').pluck().get() as number
  let bytes = total()
  let freed = 0
  if (bytes > limitBytes) {
    const deletable = db.prepare(`SELECT s.snapshot_id, s.bytes FROM snapshots s
      WHERE s.on_disk = 1 AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.snapshot_id = s.snapshot_id AND o.state = 'pending')
      ORDER BY EXISTS (SELECT 1 FROM snapshots n WHERE n.store_id = s.store_id AND n.sale_date = s.sale_date AND n.version > s.version) DESC,
        s.sale_date, s.version`).all() as { snapshot_id: string; bytes: number }[]
    for (const snapshot of deletable) {
      if (bytes <= limitBytes) break
      rmSync(join(dir, snapshot.snapshot_id), { recursive: true, force: true })
      db.prepare('UPDATE snapshots SET on_disk = 0 WHERE snapshot_id = ?').run(snapshot.snapshot_id)
      bytes -= snapshot.bytes
      freed += snapshot.bytes
    }
  }
  return { bytes, limitBytes, freed, full: bytes > limitBytes }
}
