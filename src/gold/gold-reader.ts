import Database from 'better-sqlite3'
import { databaseFile } from '../db/open.js'
import { GOLD_TABLE_NAMES } from './gold-tables.js'

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
 * Reads gold for the HTTP API on its own read-only connection: a store-day is a handful of rows,
 * well under a millisecond, so it runs on the broker's thread without delaying acks.
 */
export class GoldReader {
  private readonly db: Database.Database
  private readonly scale: number

  constructor(dataDir: string, private readonly currency: { code: string; minorUnitDigits: number }) {
    this.db = new Database(databaseFile(dataDir, 'gold'), { readonly: true, fileMustExist: true })
    this.db.pragma('busy_timeout = 1000')
    this.scale = 10 ** currency.minorUnitDigits
  }

  /** Minor units to major units: k / 10^d is the double nearest the decimal, so it prints exactly. */
  private major(minor: number): number {
    return minor / this.scale
  }

  totals(storeId: string, date: string): Totals {
    const day = this.db.prepare('SELECT * FROM kpi_daily_orders WHERE store_id = ? AND sale_date = ?').get(storeId, date) as
      { total_amount: number; sales_count: number; units: number; order_count: number; avg_order_amount: number } | undefined
    const categories = this.db.prepare(`SELECT category, sum(daily_sales_amount) AS amount, sum(sales_count) AS count
      FROM fact_daily_sales WHERE store_id = ? AND sale_date = ? GROUP BY category ORDER BY amount DESC, category`).all(storeId, date) as { category: string; amount: number; count: number }[]
    const regions = this.db.prepare(`SELECT region, revenue_amount AS amount, sales_count AS count, order_count
      FROM kpi_revenue_by_region WHERE store_id = ? AND sale_date = ? ORDER BY amount DESC, region`).all(storeId, date) as { region: string; amount: number; count: number; order_count: number }[]
    const hours = this.db.prepare(`SELECT sale_hour AS hour, sales_amount AS amount, sales_count AS count, order_count
      FROM fact_hourly_sales WHERE store_id = ? AND sale_date = ? ORDER BY sale_hour`).all(storeId, date) as { hour: number; amount: number; count: number; order_count: number }[]
    const asOf = this.db.prepare("SELECT value FROM pipeline_state WHERE name = 'caught_up_at'").pluck().get() as string | undefined
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

  /** Rows of a gold table for dates in [from, to], as stored (amounts in minor units). */
  table(name: string, from: string, to: string, limit: number): Record<string, unknown>[] {
    if (!(GOLD_TABLE_NAMES as readonly string[]).includes(name)) throw new Error(`no gold table ${name}`)
    return this.db.prepare(`SELECT * FROM ${name} WHERE sale_date BETWEEN ? AND ? ORDER BY sale_date LIMIT ?`).all(from, to, limit) as Record<string, unknown>[]
  }

  close(): void {
    this.db.close()
  }
}
