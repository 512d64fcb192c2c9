import { openDatabase, type LayerName, type SqliteDatabase } from '../db/open.js'

/** What silver work attaches: bronze (what it reads) and silver (what it writes). */
export const SILVER_LAYERS: readonly LayerName[] = ['bronze', 'silver']

/**
 * gateway.db with bronze and silver attached: what silver work (the pipeline thread, dims import,
 * rebuild) reads and writes. Silver writes lock only silver.db (see db/locked-transaction.ts), so
 * ingest into bronze.db goes on meanwhile. Not migrated (src/schemas.ts).
 */
export function openSilverDatabase(dataDir: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): SqliteDatabase {
  return openDatabase({ dataDir, attach: SILVER_LAYERS, synchronous })
}

/** Silver.db's page cache for the silver thread's connection, MiB (SQLite's default is 2). */
const SILVER_CACHE_MIB = 16

/**
 * The silver thread's page cache: the index pages a batch of new sales touches (a day's page per
 * till and order) stay cached from one batch to the next; 2 MiB held fewer than a thousand tills'.
 */
export function useSilverCache(db: SqliteDatabase): void {
  db.pragma(`silver.cache_size = -${SILVER_CACHE_MIB * 1024}`)
}
