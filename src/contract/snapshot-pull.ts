import type { SnapshotManifest } from './snapshot-manifest.js'

/** GET /api/v1/snapshots: a page of the snapshots after a cursor (docs/snapshots.md, "Pull"), as the gateway serves it and central reads it. */
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
