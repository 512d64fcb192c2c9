import { BRONZE_MIGRATIONS } from '../bronze/schema.js'
import { GATEWAY_MIGRATIONS } from '../db/gateway-schema.js'
import { openDatabase, type SqliteDatabase } from '../db/open.js'
import { SILVER_MIGRATIONS } from './schema.js'

/**
 * gateway.db with bronze and silver attached and migrated: what silver work (the pipeline
 * thread, dims import, rebuild) reads and writes. Silver writes lock only silver.db (see
 * db/locked-transaction.ts), so ingest into bronze.db goes on meanwhile.
 */
export function openSilverDatabase(dataDir: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): SqliteDatabase {
  return openDatabase({
    dataDir,
    attach: ['bronze', 'silver'],
    synchronous,
    migrations: { main: GATEWAY_MIGRATIONS, bronze: BRONZE_MIGRATIONS, silver: SILVER_MIGRATIONS },
  })
}
