import type { Config } from '../config/schema.js'
import { GATEWAY_MIGRATIONS } from '../db/gateway-schema.js'
import { openDatabase, type SqliteDatabase } from '../db/open.js'

/** gateway.db alone, migrated: what device commands need (works while the daemon runs: WAL). */
export function openGatewayDb(config: Readonly<Config>): SqliteDatabase {
  return openDatabase({ dataDir: config.dataDir, attach: [], migrations: { main: GATEWAY_MIGRATIONS } })
}
