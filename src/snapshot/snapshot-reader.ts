import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SqliteDatabase } from '../db/open.js'
import type { SnapshotManifest } from './manifest.js'
import { acknowledgePull, gatewayInstanceId, lastSeq } from './pull-ack.js'
import { DAMAGED, sha256 } from './snapshot-builder.js'

export interface SnapshotPage {
  /** This data directory's identity: a puller that sees it change starts its cursor over. */
  gateway_id: string
  /** The newest seq: a puller whose cursor is beyond it (a restored gateway.db) starts over. */
  last_seq: number
  snapshots: SnapshotListing[]
}

export interface SnapshotListing {
  seq: number
  snapshot_id: string
  on_disk: boolean
  /** A newer version of the day exists: a puller that finds this one freed loses nothing. */
  superseded: boolean
  manifest: SnapshotManifest
}

export interface SnapshotFile {
  body: Buffer
  sha256: string
}

/**
 * What central pulls: the snapshots after a cursor, and their files. A file is served only when it
 * is named in its snapshot's manifest, so no request can reach anything else on the disk, and only
 * when it still matches the manifest's sha256. Asking for the snapshots after a cursor, naming this
 * gateway's id, acknowledges the ones up to it (see pull-ack.ts).
 */
export class SnapshotReader {
  private readonly gatewayId: string

  constructor(
    private readonly db: SqliteDatabase,
    private readonly dir: string,
  ) {
    this.gatewayId = gatewayInstanceId(db)
  }

  /** `gatewayId`: the instance the cursor was counted on; without it, or another, no acknowledgement. */
  after(cursor: number, limit: number, gatewayId?: string): SnapshotPage {
    if (gatewayId === this.gatewayId) acknowledgePull(this.db, cursor)
    const snapshots = (this.db.prepare(`SELECT s.seq, s.snapshot_id, s.on_disk, s.manifest,
        EXISTS (SELECT 1 FROM snapshots n WHERE n.store_id = s.store_id AND n.sale_date = s.sale_date AND n.version > s.version) AS superseded
      FROM snapshots s WHERE s.seq > ? ORDER BY s.seq LIMIT ?`).all(cursor, limit) as
      { seq: number; snapshot_id: string; on_disk: number; superseded: number; manifest: string }[])
      .map((row) => ({
        seq: row.seq, snapshot_id: row.snapshot_id, on_disk: row.on_disk === 1, superseded: row.superseded === 1,
        manifest: JSON.parse(row.manifest) as SnapshotManifest,
      }))
    return { gateway_id: this.gatewayId, last_seq: lastSeq(this.db), snapshots }
  }

  /**
   * The file, 'gone' when the disk bound removed it or it no longer matches its manifest (then
   * marked damaged: the next snapshot run makes the day again), undefined when it is not one.
   * Gold files are kilobytes: read whole, so the hash is checked before a byte is sent.
   */
  async file(snapshotId: string, path: string): Promise<SnapshotFile | 'gone' | undefined> {
    const row = this.db.prepare('SELECT on_disk, manifest FROM snapshots WHERE snapshot_id = ?').get(snapshotId) as { on_disk: number; manifest: string } | undefined
    if (!row) return undefined
    const file = (JSON.parse(row.manifest) as SnapshotManifest).files.find((entry) => entry.path === path)
    if (!file) return undefined
    if (row.on_disk !== 1) return 'gone'
    let body: Buffer
    try {
      body = await readFile(join(this.dir, snapshotId, file.path))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
      throw error
    }
    if (sha256(body) !== file.sha256) {
      this.db.prepare('UPDATE snapshots SET content_sha256 = ? WHERE snapshot_id = ?').run(DAMAGED, snapshotId)
      return 'gone'
    }
    return { body, sha256: file.sha256 }
  }
}
