import type { SqliteDatabase } from '../db/open.js'
import { GOLD_BACKFILLING_SQL } from '../gold/gold-status.js'
import { SNAPSHOT_SCHEMA_VERSION } from './gold-parquet-schema.js'

/** The store-day of the row `alias` had its gold removed by retention: it is never snapshotted again (it would be empty). */
export function goldPruned(alias: string): string {
  return `EXISTS (SELECT 1 FROM silver.pruned_days p WHERE p.store_id = ${alias}.store_id AND p.sale_date = ${alias}.sale_date AND p.gold_pruned_at IS NOT NULL)`
}

/**
 * Store-days whose current snapshot must be made again as a new version: damaged on disk (the
 * outbox found it so), or written in an older snapshot format (the gateway was upgraded). Not the
 * latter while gold backfills a table an upgrade added: each day it recomputes is snapshotted then,
 * with the new table, instead of twice.
 */
export function daysToRemake(db: SqliteDatabase, limit = -1): { store_id: string; sale_date: string }[] {
  return db
    .prepare(
      `SELECT store_id, sale_date FROM snapshots s
    WHERE (damaged = 1 OR (json_extract(manifest, '$.schema_version') < ${SNAPSHOT_SCHEMA_VERSION}
      AND NOT ${GOLD_BACKFILLING_SQL}))
    AND NOT ${goldPruned('s')}
    AND version = (SELECT max(version) FROM snapshots n WHERE n.store_id = s.store_id AND n.sale_date = s.sale_date) LIMIT ?`,
    )
    .all(limit) as { store_id: string; sale_date: string }[]
}
