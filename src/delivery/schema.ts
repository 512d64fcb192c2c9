import type { OwnedSchema } from '../db/migrate.js'

/** gateway.db, delivery's part (the outbox written only by outbox.ts, its state only by delivery-state.ts). */
export const DELIVERY_SCHEMA: OwnedSchema = {
  owner: 'delivery',
  migrations: [
    `
  -- What must be shipped where: durable across restarts and outages.
  CREATE TABLE outbox (
    snapshot_id TEXT NOT NULL REFERENCES snapshots (snapshot_id),
    target TEXT NOT NULL,
    state TEXT NOT NULL,                   -- pending | shipped | skipped (superseded before any of its files reached the target) | abandoned (its target left the config) | damaged (its files no longer match: the day is made again)
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    shipped_at TEXT,
    PRIMARY KEY (snapshot_id, target)
  ) STRICT;
  CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
  `,
    `
  -- enqueued_seq: the snapshots up to it are queued for the upload targets (the snapshot builder
  -- queued them itself before). pulled_seq and pulled_at: central's pull (kept in snapshot_state
  -- before; the rows left there are read by nobody).
  CREATE TABLE delivery_state (
    name TEXT PRIMARY KEY,
    value ANY
  ) STRICT;
  INSERT INTO delivery_state (name, value) SELECT name, value FROM snapshot_state WHERE name IN ('pulled_seq', 'pulled_at');
  INSERT INTO delivery_state (name, value) VALUES ('enqueued_seq', (SELECT coalesce(max(seq), 0) FROM snapshots));
  `,
    `
  -- When the first of its files reached the target: from then on a newer version of the day no
  -- longer skips it (it would leave that file there without its snapshot); it ships whole.
  ALTER TABLE outbox ADD COLUMN started_at TEXT;
  `,
  ],
}
