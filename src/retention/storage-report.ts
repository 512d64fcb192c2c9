import { hasTable } from '../db/has-table.js'
import { countDroppedRejects, oldestBronzeReceivedAt } from '../bronze/bronze-status.js'
import { databaseFile, type SqliteDatabase } from '../db/open.js'
import { fileWithWalBytes } from './compact.js'
import { readRetention, type RetentionOutcome } from './retention.js'

export interface StorageReport {
  /** Bytes of each database file with its WAL: gateway (main), bronze, silver, gold. */
  fileBytes: Record<string, number>
  /** When the oldest sale bronze still holds was received (what retention has kept), or null. */
  oldestBronzeReceivedAt: string | null
  /** Rejects dropped to keep the table under retention.rejectsMaxMiB, since the data directory was made. */
  rejectsDropped: number
  retention: { lastRunAt: string | null; last: RetentionOutcome | null; totals: Record<string, number> }
}

/**
 * What the data directory holds on disk and what retention did, for `status` and the metrics.
 * Cheap (a few indexed reads and stat calls) on a connection with bronze attached; tables a newer
 * release adds may be missing when an older daemon's files are read.
 */
export function readStorage(db: SqliteDatabase, dataDir: string): StorageReport {
  return {
    fileBytes: Object.fromEntries(
      (['main', 'bronze', 'silver', 'gold'] as const).map((schema) => [
        schema === 'main' ? 'gateway' : schema,
        fileWithWalBytes(databaseFile(dataDir, schema)),
      ]),
    ),
    oldestBronzeReceivedAt: oldestBronzeReceivedAt(db),
    rejectsDropped: countDroppedRejects(db),
    retention: hasTable(db, 'main', 'retention_state') ? readRetention(db) : { lastRunAt: null, last: null, totals: {} },
  }
}
