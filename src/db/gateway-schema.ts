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
  `,
]
