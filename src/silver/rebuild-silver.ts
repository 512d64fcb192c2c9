import type { SqliteDatabase } from '../db/open.js'
import type { SalesEnricher } from './sales-enricher.js'

const HOUR_MS = 3_600_000
/** No zone is further than 14 hours from UTC (Pacific/Kiritimati). */
const MAX_OFFSET_MS = 14 * HOUR_MS
const CHUNK_ROWS = 2000

export interface RebuildOptions {
  /** First store-local date to rebuild (YYYY-MM-DD); none: from the beginning. */
  fromDate?: string
  /** Last store-local date to rebuild; none: up to the watermark. */
  toDate?: string
  onProgress?: (done: number, total: number) => void
}

/**
 * `silver rebuild`: recomputes silver from bronze (after a rule or dimension fix) in chunks, each
 * its own short transaction on silver.db only, so ingest and the daemon's pipeline go on.
 * Sales past the watermark are the pipeline's; they get today's rules anyway.
 */
export async function rebuildSilver(db: SqliteDatabase, enricher: SalesEnricher, options: RebuildOptions): Promise<{ seen: number; rebuilt: number }> {
  const loMs = options.fromDate ? Date.parse(`${options.fromDate}T00:00:00Z`) - MAX_OFFSET_MS : Number.MIN_SAFE_INTEGER
  const hiMs = options.toDate ? Date.parse(`${options.toDate}T00:00:00Z`) + 24 * HOUR_MS + MAX_OFFSET_MS : Number.MAX_SAFE_INTEGER
  const total = enricher.watermark() - ((db.prepare('SELECT min(id) FROM bronze.iot_sales_raw').pluck().get() as number | null) ?? 1) + 1
  let afterId = 0
  let seen = 0
  let rebuilt = 0
  for (;;) {
    const chunk = enricher.rebuildChunk(afterId, { fromDate: options.fromDate, toDate: options.toDate, loMs, hiMs }, CHUNK_ROWS)
    if (chunk.lastId === afterId) break
    afterId = chunk.lastId
    seen += chunk.seen
    rebuilt += chunk.rebuilt
    options.onProgress?.(Math.min(seen, total), Math.max(total, seen))
    // Let the terminal draw, and other writers of silver.db take their turn.
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { seen, rebuilt }
}
