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
