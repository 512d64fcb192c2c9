import { createReadStream, existsSync, type ReadStream } from 'node:fs'
import { join } from 'node:path'
import type { SqliteDatabase } from '../db/open.js'
import type { SnapshotManifest } from './manifest.js'
import { acknowledgePull, gatewayInstanceId } from './pull-ack.js'

export interface SnapshotPage {
  /** This data directory's identity: a puller that sees it change starts its cursor over. */
  gateway_id: string
  snapshots: SnapshotListing[]
}

export interface SnapshotListing {
  seq: number
  snapshot_id: string
  on_disk: boolean
  manifest: SnapshotManifest
}

/**
 * What central pulls: the snapshots after a cursor, and their files. A file is served only when it
 * is named in its snapshot's manifest, so no request can reach anything else on the disk. Asking
 * for the snapshots after a cursor acknowledges the ones up to it (see snapshot-disk.ts).
 */
export class SnapshotReader {
  private readonly gatewayId: string

  constructor(
    private readonly db: SqliteDatabase,
    private readonly dir: string,
  ) {
    this.gatewayId = gatewayInstanceId(db)
  }

  /** `gatewayId`: the instance the cursor was counted on; a cursor of another one is no acknowledgement. */
  after(cursor: number, limit: number, gatewayId?: string): SnapshotPage {
    if (gatewayId === undefined || gatewayId === this.gatewayId) acknowledgePull(this.db, cursor)
    const snapshots = (this.db.prepare('SELECT seq, snapshot_id, on_disk, manifest FROM snapshots WHERE seq > ? ORDER BY seq LIMIT ?').all(cursor, limit) as
      { seq: number; snapshot_id: string; on_disk: number; manifest: string }[])
      .map((row) => ({ seq: row.seq, snapshot_id: row.snapshot_id, on_disk: row.on_disk === 1, manifest: JSON.parse(row.manifest) as SnapshotManifest }))
    return { gateway_id: this.gatewayId, snapshots }
  }

  /** The file's stream and size, 'gone' when the disk bound removed it, undefined when it is not one. */
  file(snapshotId: string, path: string): { stream: ReadStream; bytes: number; sha256: string } | 'gone' | undefined {
    const row = this.db.prepare('SELECT on_disk, manifest FROM snapshots WHERE snapshot_id = ?').get(snapshotId) as { on_disk: number; manifest: string } | undefined
    if (!row) return undefined
    const file = (JSON.parse(row.manifest) as SnapshotManifest).files.find((entry) => entry.path === path)
    if (!file) return undefined
    const full = join(this.dir, snapshotId, file.path)
    if (row.on_disk !== 1 || !existsSync(full)) return 'gone'
    return { stream: createReadStream(full), bytes: file.bytes, sha256: file.sha256 }
  }
}
