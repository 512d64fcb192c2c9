import type { SqliteDatabase } from '../db/open.js'
import type { SnapshotManifest } from '../contract/snapshot-manifest.js'
import type { SnapshotPage } from '../contract/snapshot-pull.js'
import { gatewayInstanceId, markDamaged } from '../snapshot/snapshot-catalog.js'
import { acknowledgePull, lastSeq, notePull } from './delivery-state.js'
import { readVerifiedFile } from './verified-file.js'

export interface SnapshotFile {
  body: Buffer
  sha256: string
}

/**
 * What central pulls: the snapshots after a cursor, and their files. A file is served only when it
 * is named in its snapshot's manifest, so no request can reach anything else on the disk, and only
 * when it still matches the manifest's sha256. Asking for the snapshots after a cursor, naming this
 * gateway's id, acknowledges the ones up to it (see delivery-state.ts).
 */
export class SnapshotReader {
  private readonly gatewayId: string

  constructor(
    private readonly db: SqliteDatabase,
    private readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.gatewayId = gatewayInstanceId(db)
  }

  /** `gatewayId`: the instance the cursor was counted on; without it, or another, no acknowledgement. */
  after(cursor: number, limit: number, gatewayId?: string): SnapshotPage {
    const newestSeq = lastSeq(this.db)
    if (gatewayId === this.gatewayId) acknowledgePull(this.db, cursor, newestSeq)
    notePull(this.db, new Date(this.now()).toISOString())
    const snapshots = (
      this.db
        .prepare(
          `SELECT s.seq, s.snapshot_id, s.on_disk, s.manifest,
        EXISTS (SELECT 1 FROM snapshots n WHERE n.store_id = s.store_id AND n.sale_date = s.sale_date AND n.version > s.version) AS superseded
      FROM snapshots s WHERE s.seq > ? ORDER BY s.seq LIMIT ?`,
        )
        .all(cursor, limit) as { seq: number; snapshot_id: string; on_disk: number; superseded: number; manifest: string }[]
    ).map((row) => ({
      seq: row.seq,
      snapshot_id: row.snapshot_id,
      on_disk: row.on_disk === 1,
      superseded: row.superseded === 1,
      manifest: JSON.parse(row.manifest) as SnapshotManifest,
    }))
    return { gateway_id: this.gatewayId, last_seq: newestSeq, snapshots }
  }

  /**
   * The file, 'gone' when the disk bound removed it or it no longer matches its manifest (then
   * marked damaged: the next snapshot run makes the day again), undefined when it is not one.
   */
  async file(snapshotId: string, path: string): Promise<SnapshotFile | 'gone' | undefined> {
    const row = this.db.prepare('SELECT on_disk, manifest FROM snapshots WHERE snapshot_id = ?').get(snapshotId) as
      { on_disk: number; manifest: string } | undefined
    if (!row) return undefined
    const file = (JSON.parse(row.manifest) as SnapshotManifest).files.find((entry) => entry.path === path)
    if (!file) return undefined
    if (row.on_disk !== 1) return 'gone'
    const body = await readVerifiedFile(this.dir, snapshotId, file)
    if (body === 'missing') return 'gone'
    if (body === 'damaged') {
      markDamaged(this.db, snapshotId)
      return 'gone'
    }
    return { body, sha256: file.sha256 }
  }
}
