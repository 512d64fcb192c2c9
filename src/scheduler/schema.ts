import type { OwnedSchema } from '../db/migrate.js'

/** gateway.db, the scheduler's part (written only by job-run-store.ts). */
export const SCHEDULER_SCHEMA: OwnedSchema = {
  owner: 'scheduler',
  migrations: [
    `
  -- The last run of each scheduled job, for catch-up and status.
  CREATE TABLE job_runs (
    name TEXT PRIMARY KEY,
    scheduled_for TEXT NOT NULL,       -- the cron minute last started (or noted at first start)
    started_at TEXT,
    duration_ms INTEGER,
    outcome TEXT,                      -- ok | failed
    summary TEXT                       -- the result as JSON, or the error
  ) STRICT;
  `,
  ],
}
