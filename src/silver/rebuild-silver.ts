import type { SqliteDatabase } from '../db/open.js'
import type { SalesEnricher } from './sales-enricher.js'

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
  const total = enricher.watermark() - ((db.prepare('SELECT min(id) FROM bronze.iot_sales_raw').pluck().get() as number | null) ?? 1) + 1
  let afterId = 0
  let seen = 0
  let rebuilt = 0
  for (;;) {
    const chunk = enricher.rebuildChunk(afterId, { fromDate: options.fromDate, toDate: options.toDate }, CHUNK_ROWS)
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
