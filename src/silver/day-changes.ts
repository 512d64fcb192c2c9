import type { SqliteDatabase } from '../db/open.js'

/**
 * silver.day_changes: the store-days a re-enrichment changed (sales moved, renamed, dropped), which
 * gold recomputes whole. This module is the table's one writer: the enricher marks days through it
 * (sales-enricher.ts); gold and retention read the marks through it, and gold forgets those it
 * applied, on gold's connection (silver does not read gold's progress: a stage reads only the one
 * before it).
 */

/** Marks a store-day for gold to recompute whole (within the caller's transaction). */
export function dayChangeMarker(db: SqliteDatabase): (storeId: string, saleDate: string) => void {
  const insert = db.prepare('INSERT INTO silver.day_changes (store_id, sale_date) VALUES (?, ?)')
  return (storeId, saleDate) => void insert.run(storeId, saleDate)
}

/** The marks after `seq`, oldest first, at most `limit`. */
export function dayChangesAfter(db: SqliteDatabase): (seq: number, limit: number) => { seq: number; store_id: string; sale_date: string }[] {
  const select = db.prepare<[number, number], { seq: number; store_id: string; sale_date: string }>(
    'SELECT seq, store_id, sale_date FROM silver.day_changes WHERE seq > ? ORDER BY seq LIMIT ?',
  )
  return (seq, limit) => select.all(seq, limit)
}

/** Forgets the marks up to `seq`, which their reader has applied (they only grow otherwise). Takes silver's lock briefly. */
export function forgetDayChangesThrough(db: SqliteDatabase, seq: number): number {
  return db.prepare('DELETE FROM silver.day_changes WHERE seq <= ?').run(seq).changes
}

/** The newest mark's seq (0 when none): retention waits until gold has applied it. */
export function newestDayChange(db: SqliteDatabase): number {
  return db.prepare('SELECT coalesce(max(seq), 0) FROM silver.day_changes').pluck().get() as number
}

/** SQL counting the marks after the seq that `consumedSql` gives. */
export const dayChangesAfterCountSql = (consumedSql: string): string => `(SELECT count(*) FROM silver.day_changes WHERE seq > ${consumedSql})`

/** SQL for the bronze id after which silver's sales reach gold without a mark (the days of every earlier one were marked): set once, by a migration. */
export const UNMARKED_AFTER_SQL = "(SELECT value FROM silver.pipeline_state WHERE name = 'unmarked_after')"
