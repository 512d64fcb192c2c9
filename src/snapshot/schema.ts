import type { OwnedSchema } from '../db/migrate.js'

/** gateway.db, the snapshots' part (written only by snapshot-catalog.ts). */
export const SNAPSHOT_SCHEMA: OwnedSchema = {
  owner: 'snapshots',
  migrations: [
    `
  -- Parquet snapshots of gold, one per store-day and version.
  CREATE TABLE snapshots (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, -- the cursor central pulls by
    snapshot_id TEXT NOT NULL UNIQUE,      -- {store}-{date}-v{version}
    store_id TEXT NOT NULL,
    sale_date TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,          -- of the day's gold rows: an unchanged day is not shipped again
    supersedes TEXT,                       -- the snapshot of the same store-day it replaces
    manifest TEXT NOT NULL,                -- the manifest JSON, as shipped
    bytes INTEGER NOT NULL,                -- size of its files
    on_disk INTEGER NOT NULL DEFAULT 1,    -- 0 once the disk bound removed its files (never before delivery)
    created_at TEXT NOT NULL,
    UNIQUE (store_id, sale_date, version)
  ) STRICT;

  CREATE TABLE snapshot_state (
    name TEXT PRIMARY KEY,
    value ANY
  ) STRICT;
  `,
    `
  -- Its files no longer match its manifest: the day is made again as a new version. (Marked by
  -- overwriting content_sha256 with 'damaged' before; such rows keep that value, which no content
  -- hashes to.)
  ALTER TABLE snapshots ADD COLUMN damaged INTEGER NOT NULL DEFAULT 0;
  UPDATE snapshots SET damaged = 1 WHERE content_sha256 = 'damaged';
  `,
  ],
}
