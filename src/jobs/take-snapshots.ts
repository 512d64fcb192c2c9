import type { Config } from '../config/schema.js'
import type { SqliteDatabase } from '../db/open.js'
import { MedallionError } from '../errors.js'
import { SnapshotBuilder } from '../snapshot/snapshot-builder.js'
import { enforceDiskBound } from '../delivery/disk-bound.js'
import { snapshotDir } from '../snapshot/snapshot-dir.js'
import { uploadTargetNames } from '../delivery/upload-targets.js'

export interface SnapshotRunSummary {
  created: string[]
  unchanged: number
  diskBytes: number
  freedBytes: number
}

/**
 * One scheduled snapshot run: make room under the disk bound, snapshot the changed days, check the
 * bound again. With the bound filled by unshipped snapshots it refuses to write more (the job fails
 * with the reason) rather than delete anything not yet delivered.
 */
export function takeSnapshots(db: SqliteDatabase, config: Readonly<Config>): SnapshotRunSummary {
  const dir = snapshotDir(config.dataDir)
  const limit = config.snapshot.maxDiskMiB * 1024 * 1024
  const targets = uploadTargetNames(config.upload)
  const delivery = targets.length > 0 ? 'push' : 'pull'
  const before = enforceDiskBound(db, dir, limit, delivery)
  if (before.full) {
    throw new MedallionError(
      'SNAPSHOT_DISK_BOUND',
      `snapshot disk bound reached (${Math.round(before.bytes / 1048576)} of ${config.snapshot.maxDiskMiB} MiB) by snapshots not delivered yet: no new snapshot until the upload (or central's pull) catches up`,
    )
  }
  const builder = new SnapshotBuilder(db, { dir, currency: config.currency })
  const summary: SnapshotRunSummary = { created: [], unchanged: 0, diskBytes: 0, freedBytes: before.freed }
  for (let run = builder.run(); ; run = builder.run()) {
    summary.created.push(...run.created.map((manifest) => manifest.snapshot_id))
    summary.unchanged += run.unchanged
    if (!run.pending) break
  }
  const after = enforceDiskBound(db, dir, limit, delivery)
  summary.diskBytes = after.bytes
  summary.freedBytes += after.freed
  return summary
}
