import type { Config } from '../config/schema.js'
import type { SqliteDatabase } from '../db/open.js'
import { openMigrated } from '../schemas.js'

/** gateway.db alone, migrated: what device commands need (works while the daemon runs: WAL). */
export function openGatewayDb(config: Readonly<Config>): SqliteDatabase {
  return openMigrated(config.dataDir, { attach: [] })
}
