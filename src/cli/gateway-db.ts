import type { Config } from '../config/schema.js'
import { openDatabase, type SqliteDatabase } from '../db/open.js'
import { migrateAll } from '../schemas.js'

/** gateway.db alone, migrated: what device commands need (works while the daemon runs: WAL). */
export function openGatewayDb(config: Readonly<Config>): SqliteDatabase {
  return migrateAll(openDatabase({ dataDir: config.dataDir, attach: [] }))
}
