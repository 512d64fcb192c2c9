import type { OwnedSchema } from '../db/migrate.js'

/** gateway.db, retention's part (written only by retention.ts). */
export const RETENTION_SCHEMA: OwnedSchema = {
  owner: 'retention',
  migrations: [
    `
  -- The last retention run and what retention removed since the data directory was made.
  CREATE TABLE retention_state (
    name TEXT PRIMARY KEY,
    value ANY
  ) STRICT;
  `,
  ],
}
