import { openDatabase, type SqliteDatabase } from '../db/open.js'

/**
 * gateway.db with bronze and silver attached: what silver work (the pipeline thread, dims import,
 * rebuild) reads and writes. Silver writes lock only silver.db (see db/locked-transaction.ts), so
 * ingest into bronze.db goes on meanwhile. Not migrated (src/schemas.ts).
 */
export function openSilverDatabase(dataDir: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): SqliteDatabase {
  return openDatabase({ dataDir, attach: ['bronze', 'silver'], synchronous })
}
