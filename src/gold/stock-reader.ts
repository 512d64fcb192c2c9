import type Database from 'better-sqlite3'

/** A product's stock as gold has it now (docs/inventory.md, GET /api/v1/inventory/now). */
export interface StockNow {
  product_id: number
  product_name: string
  category: string
  on_hand: number
  /** A count or a receipt happened: an on hand <= 0 is out of stock, not unknown. */
  known: boolean
  /** Never counted: on hand started at 0. */
  uncounted: boolean
  last_count_at: string | null
  avg_daily_sold_7d: number
  days_of_cover: number | null
  out: boolean
  /** In stock with fewer days of cover than `inventory.lowDays`. */
  low: boolean
}

/** What the staff page shows of a store-day's stock: out of stock and running low, and how many products have known stock. */
export interface StockPosition {
  date: string
  /** Products whose stock is known that day (0: the store sends no inventory; the page hides the panel). */
  tracked: number
  out: StockNow[]
  low: StockNow[]
  /**
   * The day's shrink, units lost (a gain is negative), the largest first: `count` is what the
   * counts found missing against the expected stock, each `adjustment` reason what was written
   * off for it. The staff page shows it to an admin (docs/inventory.md).
   */
  shrink: { source: 'count' | 'adjustment'; reason: string | null; units: number }[]
}

/** Most products of each list the staff page is sent. */
const POSITION_LIMIT = 20

/** gold.fact_inventory for the HTTP API, on the gold reader's read-only connection. */
export class StockReader {
  private readonly rowsOfDay
  private readonly lastDayBy
  private readonly countsOfDay
  private readonly adjustmentsOfDay

  constructor(db: Database.Database) {
    this.rowsOfDay = db.prepare<[string, string], Record<string, unknown>>(
      'SELECT * FROM fact_inventory WHERE stock_date = ? AND store_id = ? ORDER BY product_id',
    )
    // Down the primary key (stock_date first) from today: a store with inventory has rows every day.
    this.lastDayBy = db
      .prepare<[string, string]>('SELECT stock_date FROM fact_inventory WHERE +store_id = ? AND stock_date <= ? ORDER BY stock_date DESC LIMIT 1')
      .pluck()
    this.adjustmentsOfDay = db.prepare<[string, string], { reason: string; units: number }>(
      `SELECT reason, -sum(units) AS units FROM silver.inventory_movements
      WHERE store_id = ? AND stock_date = ? AND type = 'adjustment' GROUP BY reason`,
    )
    this.countsOfDay = db.prepare<[number, string, string], { out: number; low: number }>(
      `SELECT coalesce(sum(known = 1 AND closing_units <= 0), 0) AS out,
        coalesce(sum(known = 1 AND closing_units > 0 AND days_of_cover < ?), 0) AS low
      FROM fact_inventory WHERE stock_date = ? AND store_id = ?`,
    )
  }

  /** A store-day's position: a row per product with stock or movement (gold's columns). */
  day(storeId: string, date: string): Record<string, unknown>[] {
    return this.rowsOfDay.all(date, storeId)
  }

  /**
   * Each product's stock now: today's rows (the last day with rows, just after midnight before
   * gold has rolled the day), out of stock first, then running low, then the rest.
   */
  now(storeId: string, today: string, lowDays: number): { date: string | null; products: StockNow[] } {
    const date = this.lastDayBy.get(storeId, today) as string | undefined
    if (date === undefined) return { date: null, products: [] }
    return { date, products: this.products(this.day(storeId, date), lowDays) }
  }

  /** How many products are out of stock and running low now (for the metrics); undefined for a store without inventory. */
  counts(storeId: string, today: string, lowDays: number): { out: number; low: number } | undefined {
    const date = this.lastDayBy.get(storeId, today) as string | undefined
    return date === undefined ? undefined : this.countsOfDay.get(lowDays, date, storeId)
  }

  /** A store-day's stock as the staff page shows it (today as it stands, a past day as it closed). */
  position(storeId: string, date: string, lowDays: number): StockPosition {
    const rows = this.day(storeId, date)
    const products = this.products(rows, lowDays)
    const counted = -rows.reduce((sum, row) => sum + (row.shrink_units as number), 0)
    const shrink = [
      ...(counted === 0 ? [] : [{ source: 'count' as const, reason: null, units: counted }]),
      ...this.adjustmentsOfDay.all(storeId, date).map((row) => ({ source: 'adjustment' as const, reason: row.reason, units: row.units })),
    ].sort((a, b) => b.units - a.units)
    return {
      date,
      tracked: products.filter((product) => product.known).length,
      out: products.filter((product) => product.out).slice(0, POSITION_LIMIT),
      low: products.filter((product) => product.low).slice(0, POSITION_LIMIT),
      shrink,
    }
  }

  /** The day's products, out of stock first, then running low, then by days of cover. */
  private products(rows: readonly Record<string, unknown>[], lowDays: number): StockNow[] {
    const products = rows.map((row): StockNow => {
      const known = row.known === 1
      const onHand = row.closing_units as number
      const cover = row.days_of_cover as number | null
      const out = known && onHand <= 0
      return {
        product_id: row.product_id as number,
        product_name: row.product_name as string,
        category: row.category as string,
        on_hand: onHand,
        known,
        uncounted: row.uncounted === 1,
        last_count_at: row.last_count_at as string | null,
        avg_daily_sold_7d: row.avg_daily_sold_7d as number,
        days_of_cover: cover,
        out,
        low: known && !out && cover !== null && cover < lowDays,
      }
    })
    const rank = (p: StockNow): number => (p.out ? 0 : p.low ? 1 : 2)
    return products.sort((a, b) => rank(a) - rank(b) || (a.days_of_cover ?? Infinity) - (b.days_of_cover ?? Infinity) || a.product_id - b.product_id)
  }
}
