import type { SqliteDatabase } from '../db/open.js'
import { dayChangesAppliedSql, goldBacklogSql, salesThroughSql } from './gold-refresher.js'

/** What gold holds and how far it is behind silver, for `status`. */
export interface GoldStatus {
  caughtUpAt: string | null
  /** Marked days and new sales silver holds that gold does not show yet. */
  pendingChanges: number
  /** Store-days gold holds. */
  days: number
}

/** SQL true while gold backfills a table an upgrade added (gold-refresher.ts's backfillStep). */
export const GOLD_BACKFILLING_SQL = "EXISTS (SELECT 1 FROM gold.pipeline_state WHERE name = 'backfill')"

/** The oldest store-local day gold still holds (retention's horizon), null when empty. */
export function oldestGoldDay(db: SqliteDatabase): string | null {
  return db.prepare('SELECT min(sale_date) FROM gold.kpi_daily_orders').pluck().get() as string | null
}

/** How far gold has applied silver: the day marks (silver.day_changes seq) and the sales (bronze id) it has taken in. */
export function goldProgress(db: SqliteDatabase): { dayChangesSeq: number; salesThrough: number } {
  return db.prepare(`SELECT ${dayChangesAppliedSql()} AS dayChangesSeq, ${salesThroughSql()} AS salesThrough`).get() as {
    dayChangesSeq: number
    salesThrough: number
  }
}

/** Gold's status, read on a connection with silver and gold attached. */
export function readGoldStatus(db: SqliteDatabase): GoldStatus {
  return {
    caughtUpAt: (db.prepare("SELECT value FROM gold.pipeline_state WHERE name = 'caught_up_at'").pluck().get() as string | undefined) ?? null,
    pendingChanges: db.prepare(`SELECT ${goldBacklogSql()}`).pluck().get() as number,
    days: db.prepare('SELECT count(*) FROM gold.kpi_daily_orders').pluck().get() as number,
  }
}
