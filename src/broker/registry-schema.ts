import type { OwnedSchema } from '../db/migrate.js'

/** gateway.db, the device registry's part (written only by device-registry.ts). */
export const REGISTRY_SCHEMA: OwnedSchema = {
  owner: 'devices',
  migrations: [
    `
  -- Devices allowed to publish. The token is never stored, only its SHA-256 (see device-registry.ts).
  CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,
    token_sha256 BLOB NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  `,
  ],
}
