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
]
