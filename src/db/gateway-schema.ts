import type { Migrations } from './migrate.js'

/** gateway.db (the main schema): the gateway's own state, not sales data. */
export const GATEWAY_MIGRATIONS: Migrations = [
  `
  -- Devices allowed to publish. The token is never stored, only its SHA-256 (see device-registry.ts).
  CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,
    token_sha256 BLOB NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;

  -- The last run of each scheduled job (see scheduler/), for catch-up and status.
  CREATE TABLE job_runs (
    name TEXT PRIMARY KEY,
    scheduled_for TEXT NOT NULL,       -- the cron minute last started (or noted at first start)
    started_at TEXT,
    duration_ms INTEGER,
    outcome TEXT,                      -- ok | failed
    summary TEXT                       -- the result as JSON, or the error
  ) STRICT;
  `,
  `
  -- Parquet snapshots of gold, one per store-day and version (see snapshot/).
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

  -- What must be shipped where: durable across restarts and outages.
  CREATE TABLE outbox (
    snapshot_id TEXT NOT NULL REFERENCES snapshots (snapshot_id),
    target TEXT NOT NULL,
    state TEXT NOT NULL,                   -- pending | shipped | skipped (superseded before it left) | abandoned (its target left the config) | damaged (its files no longer match: the day is made again)
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    shipped_at TEXT,
    PRIMARY KEY (snapshot_id, target)
  ) STRICT;
  CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

  CREATE TABLE snapshot_state (
    name TEXT PRIMARY KEY,
    value ANY
  ) STRICT;
  `,
  `
  -- The last retention run and what retention removed since the data directory was made.
  CREATE TABLE retention_state (
    name TEXT PRIMARY KEY,
    value ANY
  ) STRICT;
  `,
]
