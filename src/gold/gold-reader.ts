import Database from 'better-sqlite3'
import { databaseFile } from '../db/open.js'
import { GOLD_PRIMARY_KEYS, GOLD_TABLE_NAMES } from './gold-tables.js'

/** The staff totals of one store and day [CONTRACT: HTTP]. Amounts in major units, exact to the minor unit. */
export interface Totals {
  date: string
  store_id: string
  currency: string
  total_amount: number
  sales_count: number
  order_count: number
  avg_order_amount: number
  units: number
  /** When gold last caught up with silver: how fresh these numbers are. */
  as_of: string | null
  by_category: { category: string; amount: number; count: number }[]
  by_region: { region: string; amount: number; count: number; order_count: number }[]
  by_hour: { hour: number; amount: number; count: number; order_count: number }[]
}

/**
 * Reads gold for the HTTP API on its own read-only connection (silver attached for the stores'
 * time zones): a store-day is a handful of rows, well under a millisecond, so it runs on the
 * broker's thread without delaying acks. The totals are read in one read transaction: one
 * snapshot, so the day's total and its breakdowns always agree.
 */
export class GoldReader {
  private readonly db: Database.Database
  private readonly scale: number
  private readonly totalsInOneSnapshot
  private readonly tables
  private readonly storeZone

  constructor(dataDir: string, private readonly currency: { code: string; minorUnitDigits: number }) {
    this.db = new Database(databaseFile(dataDir, 'gold'), { readonly: true, fileMustExist: true })
    this.db.pragma('busy_timeout = 1000')
    this.db.prepare('ATTACH DATABASE ? AS silver').run(databaseFile(dataDir, 'silver'))
    this.scale = 10 ** currency.minorUnitDigits
    const day = this.db.prepare('SELECT total_amount, sales_count, units, order_count, avg_order_amount FROM kpi_daily_orders WHERE store_id = ? AND sale_date = ?')
    const categories = this.db.prepare(`SELECT category, sum(daily_sales_amount) AS amount, sum(sales_count) AS count
      FROM fact_daily_sales WHERE store_id = ? AND sale_date = ? GROUP BY category ORDER BY amount DESC, category`)
    const regions = this.db.prepare(`SELECT region, revenue_amount AS amount, sales_count AS count, order_count
      FROM kpi_revenue_by_region WHERE store_id = ? AND sale_date = ? ORDER BY amount DESC, region`)
    const hours = this.db.prepare(`SELECT sale_hour AS hour, sales_amount AS amount, sales_count AS count, order_count
      FROM fact_hourly_sales WHERE store_id = ? AND sale_date = ? ORDER BY sale_hour`)
    const asOf = this.db.prepare("SELECT value FROM pipeline_state WHERE name = 'caught_up_at'").pluck()
    this.totalsInOneSnapshot = this.db.transaction((storeId: string, date: string) => ({
      day: day.get(storeId, date) as { total_amount: number; sales_count: number; units: number; order_count: number; avg_order_amount: number } | undefined,
      categories: categories.all(storeId, date) as { category: string; amount: number; count: number }[],
      regions: regions.all(storeId, date) as { region: string; amount: number; count: number; order_count: number }[],
      hours: hours.all(storeId, date) as { hour: number; amount: number; count: number; order_count: number }[],
      asOf: asOf.get() as string | undefined,
    }))
    this.tables = new Map(GOLD_TABLE_NAMES.map((name) => [name as string, this.db.prepare(
      `SELECT * FROM ${name} WHERE store_id = ? AND sale_date BETWEEN ? AND ? ORDER BY ${GOLD_PRIMARY_KEYS[name]} LIMIT ?`)]))
    this.storeZone = this.db.prepare('SELECT timezone FROM silver.dim_store WHERE store_id = ? AND is_current = 1').pluck()
  }

  /** Minor units to major units: k / 10^d is the double nearest the decimal, so it prints exactly. */
  private major(minor: number): number {
    return minor / this.scale
  }

  totals(storeId: string, date: string): Totals {
    const { day, categories, regions, hours, asOf } = this.totalsInOneSnapshot(storeId, date)
    return {
      date,
      store_id: storeId,
      currency: this.currency.code,
      total_amount: this.major(day?.total_amount ?? 0),
      sales_count: day?.sales_count ?? 0,
      order_count: day?.order_count ?? 0,
      avg_order_amount: day ? Math.round(day.avg_order_amount) / this.scale : 0,
      units: day?.units ?? 0,
      as_of: asOf ?? null,
      by_category: categories.map((row) => ({ ...row, amount: this.major(row.amount) })),
      by_region: regions.map((row) => ({ ...row, amount: this.major(row.amount) })),
      by_hour: hours.map((row) => ({ ...row, amount: this.major(row.amount) })),
    }
  }

  /** A store's rows of a gold table for dates in [from, to], in key order (amounts in minor units). */
  table(name: string, storeId: string, from: string, to: string, limit: number): Record<string, unknown>[] {
    const statement = this.tables.get(name)
    if (!statement) throw new Error(`no gold table ${name}`)
    return statement.all(storeId, from, to, limit) as Record<string, unknown>[]
  }

  /** The store's current time zone in dim_store, or undefined when the store is not there. */
  timeZoneOf(storeId: string): string | undefined {
    return this.storeZone.get(storeId) as string | undefined
  }

  close(): void {
    this.db.close()
  }
}
