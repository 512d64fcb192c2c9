import type { SqliteDatabase } from '../db/open.js'
import { lockedTransaction } from '../db/locked-transaction.js'
import { dayChangesAfter, dayChangesAfterCountSql, forgetDayChangesThrough, UNMARKED_AFTER_SQL } from '../silver/day-changes.js'
import { GoldWriter } from './gold-writer.js'
import { APPENDED_COLUMNS, GoldDelta, type AppendedRow } from './gold-delta.js'
import { InventoryRefresher } from './inventory-refresher.js'

/**
 * The bronze id of the last silver sale gold has added. Before the first refresh of this release:
 * where silver stopped marking the days of new sales (every earlier one was marked, and is
 * recomputed through day_changes).
 */
export const salesThroughSql = (gold = 'gold'): string => `coalesce((SELECT value FROM ${gold}.pipeline_state WHERE name = 'sales_through'),
  ${UNMARKED_AFTER_SQL}, 0)`

/** The silver.day_changes seq gold has applied up to. */
export const dayChangesAppliedSql = (gold = 'gold'): string => `coalesce((SELECT value FROM ${gold}.pipeline_state WHERE name = 'day_changes_seq'), 0)`

/** What silver holds that gold does not show yet: marked days to recompute, new sales to add, new inventory movements to walk (`gold`: its schema name). */
export const goldBacklogSql = (gold = 'gold'): string => `${dayChangesAfterCountSql(dayChangesAppliedSql(gold))}
  + (SELECT count(*) FROM silver.sales_enriched WHERE bronze_id > ${salesThroughSql(gold)})
  + (SELECT count(*) FROM silver.inventory_movements WHERE bronze_id > coalesce((SELECT value FROM ${gold}.pipeline_state WHERE name = 'inventory_through'), 0))`

export interface RefreshOutcome {
  /** (store, day) groups recomputed or added to. */
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
 * Silver -> gold, in one transaction on gold.db per step, with both watermarks:
 * - new silver sales (bronze id after `sales_through`) are added to their groups (gold-delta.ts):
 *   the cost follows the sales added, not the size of the day;
 * - days silver marked in day_changes (a re-enrichment moved or changed sales gold had counted:
 *   not additive) are recomputed whole, from their sales up to `sales_through`.
 * So gold always equals a recompute of every day from silver's sales up to `sales_through`; the
 * full rebuild recomputes a date range with the same code and the same bound.
 */
export class GoldRefresher {
  private readonly writer: GoldWriter
  private readonly delta: GoldDelta
  private readonly inventory: InventoryRefresher
  private readonly selectAppended
  private readonly salesThrough
  private readonly readState
  private readonly writeState
  private readonly changesAfter
  private readonly prunedDay

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {
    this.writer = new GoldWriter(db)
    this.delta = new GoldDelta(db)
    this.inventory = new InventoryRefresher(db, now, (storeId, date) => this.writer.logRefresh(storeId, date))
    this.selectAppended = db
      .prepare<[number, number]>(`SELECT ${APPENDED_COLUMNS} FROM silver.sales_enriched WHERE bronze_id > ? ORDER BY bronze_id LIMIT ?`)
      .raw()
    this.salesThrough = db.prepare(`SELECT ${salesThroughSql()}`).pluck()
    this.readState = db.prepare<[string], { value: unknown }>('SELECT value FROM gold.pipeline_state WHERE name = ?')
    this.writeState = db.prepare('INSERT OR REPLACE INTO gold.pipeline_state (name, value) VALUES (?, ?)')
    this.changesAfter = dayChangesAfter(db)
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

  /** The bronze id of the last silver sale gold has added. */
  addedThrough(): number {
    return this.salesThrough.get() as number
  }

  /** One step of the incremental refresh: up to `maxChanges` marked changes and `maxSales` new sales, one transaction. */
  refresh(maxChanges = 5000, maxSales = 20_000): RefreshOutcome {
    try {
      return this.step(maxChanges, maxSales)
    } catch (error) {
      // Rolled back: what the stock step kept from it would be ahead of gold (the deltas forget
      // their orders at the next step: this one did not end).
      this.inventory.forgetKept()
      throw error
    }
  }

  private step(maxChanges: number, maxSales: number): RefreshOutcome {
    return lockedTransaction(this.db, 'gold', () => {
      const startedAt = new Date(this.now()).toISOString()
      const changesFrom = this.watermark()
      const from = this.addedThrough()
      const appended = this.selectAppended.all(from, maxSales) as AppendedRow[]
      const through = appended.at(-1)?.[0] ?? from
      const changes = this.changesAfter(changesFrom, maxChanges)
      const watermark = changes.at(-1)?.seq ?? changesFrom
      const recomputed = new Set<string>()
      for (const { store_id: storeId, sale_date: saleDate } of changes) {
        const key = `${storeId}\u0000${saleDate}`
        if (recomputed.has(key)) continue
        recomputed.add(key)
        if (!this.isPruned(storeId, saleDate)) this.writer.writeDay(storeId, saleDate, through)
      }
      // A recomputed day already holds its new sales (up to `through`).
      const added = this.delta.add(
        appended,
        recomputed,
        { salesThrough: from, changesThrough: changesFrom },
        { salesThrough: through, changesThrough: watermark },
      )
      for (const day of added) {
        this.writer.addDay(day)
        this.writer.logRefresh(day.storeId, day.saleDate)
      }
      // Stock on hand, from the same sales (up to `through`) and the inventory movements.
      const movementsFrom = this.inventoryThrough()
      const stock = this.inventory.refresh(
        movementsFrom,
        maxChanges,
        appended.map((row) => ({ storeId: row[1], saleDate: row[2], productId: row[10] })),
        changes,
        through,
        { from: changesFrom, to: watermark },
      )
      if (stock.movementsThrough !== movementsFrom) this.writeState.run('inventory_through', stock.movementsThrough)
      if (changes.length > 0) this.writeState.run('day_changes_seq', watermark)
      if (appended.length > 0) this.writeState.run('sales_through', through)
      const pending = changes.length === maxChanges || appended.length === maxSales || stock.pending
      // What gold shows is silver as of the start of this transaction, when nothing was left over.
      if (!pending) this.writeState.run('caught_up_at', startedAt)
      return { groups: recomputed.size + added.length, watermark, pending }
    })
  }

  /** The last silver.inventory_movements bronze id gold has taken. */
  private inventoryThrough(): number {
    return (this.readState.get('inventory_through')?.value as number | undefined) ?? 0
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
   * Recomputes gold for store-local dates in the range (all when open) from silver (after adding
   * the new sales, so up to what silver holds when it starts), a month of days per transaction; days of the range that silver no longer has lose their gold rows.
   */
  rebuild(range: RebuildRange = {}, onProgress?: (done: number, total: number) => void): { days: number } {
    // New sales are added first: the days are then recomputed from everything silver holds now.
    this.refreshAll()
    const from = range.fromDate ?? '0000-00-00'
    const to = range.toDate ?? '9999-99-99'
    // Not the days retention pruned: silver no longer holds their sales, gold is their only record.
    const days = this.db
      .prepare(
        `SELECT store_id, sale_date FROM silver.sales_enriched WHERE sale_date BETWEEN ? AND ?
      UNION SELECT store_id, sale_date FROM gold.kpi_daily_orders WHERE sale_date BETWEEN ? AND ?
      EXCEPT SELECT store_id, sale_date FROM silver.pruned_days ORDER BY sale_date, store_id`,
      )
      .raw()
      .all(from, to, from, to) as [string, string][]
    const CHUNK = 31
    for (let at = 0; at < days.length; at += CHUNK) {
      lockedTransaction(this.db, 'gold', () => {
        const through = this.addedThrough()
        for (const [storeId, saleDate] of days.slice(at, at + CHUNK)) this.writer.writeDay(storeId, saleDate, through)
      })
      onProgress?.(Math.min(at + CHUNK, days.length), days.length)
    }
    // Stock is walked in time from each store's first movement: all of it again (no date range).
    lockedTransaction(this.db, 'gold', () => this.inventory.rebuild(this.inventoryThrough(), this.addedThrough()))
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
      const days = this.db
        .prepare(
          `SELECT sale_date, store_id FROM gold.kpi_daily_orders WHERE (sale_date, store_id) > (?, ?)
        ORDER BY sale_date, store_id LIMIT ?`,
        )
        .raw()
        .all(after[0], after[1], maxDays) as [string, string][]
      const inSilver = this.db.prepare('SELECT 1 FROM silver.sales_enriched WHERE store_id = ? AND sale_date = ? LIMIT 1').pluck()
      const through = this.addedThrough()
      for (const [saleDate, storeId] of days) {
        if (inSilver.get(storeId, saleDate) !== undefined) this.writer.writeDay(storeId, saleDate, through)
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
    return forgetDayChangesThrough(this.db, this.watermark())
  }
}
