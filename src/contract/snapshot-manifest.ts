/** What a snapshot ships, and what central reads first (docs/snapshots.md, "What a snapshot is"): the contract between a gateway and its lake. */
export interface SnapshotManifest {
  snapshot_id: string
  store_id: string
  sale_date: string
  version: number
  schema_version: number
  /** When it was made; never before the previous version of the day. */
  created_at: string
  /** The data directory that made it (versions start at 1 again in a new one). */
  gateway_id: string
  /** The gold refresh (gold.refreshed_days seq) the snapshot was taken after. */
  gold_watermark: number
  /** The earlier snapshot of the same store and day that this one replaces, or null. */
  supersedes: string | null
  currency: { code: string; minor_unit_digits: number; amounts: 'integer minor units' }
  /** SHA-256 of the day's gold rows: equal content, no new snapshot. */
  content_sha256: string
  files: { table: string; path: string; rows: number; bytes: number; sha256: string }[]
}
