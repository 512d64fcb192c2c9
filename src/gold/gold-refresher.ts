import type { SqliteDatabase } from '../db/open.js'
import { lockedTransaction } from '../db/locked-transaction.js'
import { GoldWriter } from './gold-writer.js'

export interface RefreshOutcome {
  /** (store, day) groups recomputed. */
  groups: number
  /** silver.day_changes consumed up to here. */
  watermark: number
  /** More changes are waiting (the step stopped at its limit). */
  pending: boolean
}

export interface RebuildRange {
  fromDate?: string
  toDate?: string
}

/**
 * Silver -> gold. The incremental refresh recomputes the (store, day) groups that silver marked
 * changed since gold's watermark, with the watermark, in one transaction on gold.db; the full
 * rebuild recomputes every day of a date range with the same code. Recomputing a day, rather than
 * adding deltas, is what keeps distinct order counts exact and late data and re-enriched sales
 * counted once.
 */
export class GoldRefresher {
  private readonly writer: GoldWriter
  private readonly readState
  private readonly writeState
  private readonly selectChanges
  private readonly prunedDay

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {
    this.writer = new GoldWriter(db)
    this.readState = db.prepare<[string], { value: unknown }>('SELECT value FROM gold.pipeline_state WHERE name = ?')
    this.writeState = db.prepare('INSERT OR REPLACE INTO gold.pipeline_state (name, value) VALUES (?, ?)')
    this.selectChanges = db.prepare<[number, number], { seq: number; store_id: string; sale_date: string }>(
      'SELECT seq, store_id, sale_date FROM silver.day_changes WHERE seq > ? ORDER BY seq LIMIT ?')
    this.prunedDay = db.prepare('SELECT 1 FROM silver.pruned_days WHERE store_id = ? AND sale_date = ?').pluck()
  }

  /** Retention pruned the day's sales after delivering its snapshot: its gold is final. */
  private isPruned(storeId: string, saleDate: string): boolean {
    return this.prunedDay.get(storeId, saleDate) !== undefined
  }

  /** The last silver.day_changes seq gold has applied. */
  watermark(): number {
    return (this.readState.get('day_changes_seq')?.value as number | undefined) ?? 0
  }

  /** When gold last caught up with silver (what `as_of` reports), or null. */
  caughtUpAt(): string | null {
    return (this.readState.get('caught_up_at')?.value as string | undefined) ?? null
  }

  /** One step of the incremental refresh: up to `maxChanges` changes, one transaction. */
  refresh(maxChanges = 5000): RefreshOutcome {
    return lockedTransaction(this.db, 'gold', () => {
      const startedAt = new Date(this.now()).toISOString()
      const changes = this.selectChanges.all(this.watermark(), maxChanges)
      const groups = new Map<string, [string, string]>()
      for (const change of changes) groups.set(`${change.store_id}\u0000${change.sale_date}`, [change.store_id, change.sale_date])
      for (const [storeId, saleDate] of groups.values()) if (!this.isPruned(storeId, saleDate)) this.writer.writeDay(storeId, saleDate)
      const watermark = changes.at(-1)?.seq ?? this.watermark()
      if (changes.length > 0) this.writeState.run('day_changes_seq', watermark)
      const pending = changes.length === maxChanges
      // What gold shows is silver as of the start of this transaction, when nothing was left over.
      if (!pending) this.writeState.run('caught_up_at', startedAt)
      return { groups: groups.size, watermark, pending }
    })
  }

  /** Refreshes until caught up. */
  refreshAll(): RefreshOutcome {
    const total: RefreshOutcome = { groups: 0, watermark: this.watermark(), pending: true }
    while (total.pending) {
      const step = this.refresh()
      total.groups += step.groups
      total.watermark = step.watermark
      total.pending = step.pending
    }
    return total
  }

  /**
   * Recomputes gold for store-local dates in the range (all when open) from silver, a month of days
   * per transaction; days of the range that silver no longer has lose their gold rows.
   */
  rebuild(range: RebuildRange = {}, onProgress?: (done: number, total: number) => void): { days: number } {
    const from = range.fromDate ?? '0000-00-00'
    const to = range.toDate ?? '9999-99-99'
    // Not the days retention pruned: silver no longer holds their sales, gold is their only record.
    const days = this.db.prepare(`SELECT store_id, sale_date FROM silver.sales_enriched WHERE sale_date BETWEEN ? AND ?
      UNION SELECT store_id, sale_date FROM gold.kpi_daily_orders WHERE sale_date BETWEEN ? AND ?
      EXCEPT SELECT store_id, sale_date FROM silver.pruned_days ORDER BY sale_date, store_id`)
      .raw().all(from, to, from, to) as [string, string][]
    const CHUNK = 31
    for (let at = 0; at < days.length; at += CHUNK) {
      lockedTransaction(this.db, 'gold', () => {
        for (const [storeId, saleDate] of days.slice(at, at + CHUNK)) this.writer.writeDay(storeId, saleDate)
      })
      onProgress?.(Math.min(at + CHUNK, days.length), days.length)
    }
    return { days: days.length }
  }

  /**
   * After an upgrade added a gold table (a migration sets `backfill`), the days gold holds are
   * recomputed once, in date order, `maxDays` per transaction, with a cursor so that a restart goes
   * on where it stopped. A day silver no longer holds keeps the rows it has. Returns whether more
   * is left.
   */
  backfillStep(maxDays = 31): boolean {
    if (this.readState.get('backfill') === undefined) return false
    return lockedTransaction(this.db, 'gold', () => {
      const after = String(this.readState.get('backfill_after')?.value ?? '|').split('|')
      const days = this.db.prepare(`SELECT sale_date, store_id FROM gold.kpi_daily_orders WHERE (sale_date, store_id) > (?, ?)
        ORDER BY sale_date, store_id LIMIT ?`).raw().all(after[0], after[1], maxDays) as [string, string][]
      const inSilver = this.db.prepare('SELECT 1 FROM silver.sales_enriched WHERE store_id = ? AND sale_date = ? LIMIT 1').pluck()
      for (const [saleDate, storeId] of days) {
        if (inSilver.get(storeId, saleDate) !== undefined) this.writer.writeDay(storeId, saleDate)
      }
      if (days.length < maxDays) {
        this.db.prepare("DELETE FROM gold.pipeline_state WHERE name IN ('backfill', 'backfill_after')").run()
        return false
      }
      const [lastDate, lastStore] = days.at(-1)!
      this.writeState.run('backfill_after', `${lastDate}|${lastStore}`)
      return true
    })
  }

  /** Forgets silver changes gold has applied (they only grow otherwise). Takes silver's lock briefly. */
  pruneConsumed(): number {
    return this.db.prepare('DELETE FROM silver.day_changes WHERE seq <= ?').run(this.watermark()).changes
  }
}
