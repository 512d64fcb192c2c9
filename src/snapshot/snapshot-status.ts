import type { SqliteDatabase } from '../db/open.js'

/** The snapshots made and their files on disk, for `status`. */
export interface MadeSnapshots {
  count: number
  diskBytes: number
}

export function readSnapshotStatus(db: SqliteDatabase): MadeSnapshots {
  return db.prepare('SELECT count(*) AS count, coalesce(sum(CASE WHEN on_disk = 1 THEN bytes END), 0) AS diskBytes FROM snapshots').get() as MadeSnapshots
}
