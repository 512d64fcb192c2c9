import type { SqliteDatabase } from '../db/open.js'
import { readBacklog } from '../delivery/outbox.js'

/** The snapshots made, their files on disk, and what waits to ship, for `status`. */
export interface SnapshotStatus {
  count: number
  diskBytes: number
  pending: number
  oldestPendingDate: string | null
  lastError: string | null
}

export function readSnapshotStatus(db: SqliteDatabase): SnapshotStatus {
  const made = db.prepare('SELECT count(*) AS count, coalesce(sum(CASE WHEN on_disk = 1 THEN bytes END), 0) AS diskBytes FROM snapshots').get() as {
    count: number
    diskBytes: number
  }
  const backlog = readBacklog(db)
  return { ...made, pending: backlog.pending, oldestPendingDate: backlog.oldestDate, lastError: backlog.lastError }
}
