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

/** What the staff page shows of a store-day's stock: out of stock and running low, and whether the store tracks stock. */
export interface StockPosition {
  date: string
  /** Whether any product's stock is known that day (false: the store sends no inventory; the page hides the panel). */
  tracked: boolean
  out: StockNow[]
  low: StockNow[]
  /**
   * The day's shrink, units lost (a gain is negative), the largest first: `count` is what the
   * counts found missing against the expected stock, each `adjustment` reason what was written
   * off for it. The staff page shows it to an admin (docs/inventory.md).
   */
  shrink: { source: 'count' | 'adjustment'; reason: string | null; units: number }[]
}

/** Which products a page of the API lists: every one, those out of stock, those running low. */
export type StockFilter = 'all' | 'out' | 'low'

/** A page of a store-day's products, in product_id order after `after`. */
export interface StockPageQuery {
  filter: StockFilter
  after: number
  limit: number
  lowDays: number
}

/** Most products of each list the staff page is sent. */
const POSITION_LIMIT = 20

/** The filters as SQL, each the WHERE of a partial index of gold.fact_inventory (gold/schema.ts): a list costs its rows, not the store's. */
const OUT = 'known = 1 AND closing_units <= 0'
const LOW = 'known = 1 AND closing_units > 0 AND days_of_cover < @lowDays'
const FILTERS: Record<StockFilter, string> = { all: '1', out: OUT, low: LOW }
/** Each filter's index: without statistics SQLite would walk the day's rows in product order instead. */
const INDEXES: Record<StockFilter, string> = { all: '', out: 'INDEXED BY fact_inventory_out', low: 'INDEXED BY fact_inventory_cover' }

type Row = Record<string, unknown>

/**
 * gold.fact_inventory for the HTTP API, on the gold reader's read-only connection. Every read is a
 * page or a short list through an index: a store of 20,000 products answers as fast as one of 20,
 * on the broker's thread.
 */
export class StockReader {
  private readonly pages
  private readonly lastDayBy
  private readonly anyRow
  private readonly outOfDay
  private readonly lowOfDay
  private readonly trackedOfDay
  private readonly countShrinkOfDay
  private readonly adjustmentsOfDay
  private readonly outCount
  private readonly lowCount

  constructor(db: Database.Database) {
    const page = (filter: StockFilter) =>
      db.prepare<[{ date: string; store: string; after: number; limit: number; lowDays: number }], Row>(
        `SELECT * FROM fact_inventory ${INDEXES[filter]} WHERE stock_date = @date AND store_id = @store AND ${FILTERS[filter]}
        AND product_id > @after ORDER BY product_id LIMIT @limit`,
      )
    this.pages = { all: page('all'), out: page('out'), low: page('low') }
    // Down the primary key (stock_date first) from today (+store_id: not through the product index,
    // which would sort the store's every row): a store with inventory has rows every day.
    this.lastDayBy = db
      .prepare<[string, string]>('SELECT stock_date FROM fact_inventory WHERE +store_id = ? AND stock_date <= ? ORDER BY stock_date DESC LIMIT 1')
      .pluck()
    this.anyRow = db.prepare<[string]>('SELECT 1 FROM fact_inventory WHERE store_id = ? LIMIT 1').pluck()
    this.outOfDay = db.prepare<[{ date: string; store: string; limit: number }], Row>(
      `SELECT * FROM fact_inventory ${INDEXES.out} WHERE stock_date = @date AND store_id = @store AND ${OUT}
      ORDER BY days_of_cover IS NULL, days_of_cover, product_id LIMIT @limit`,
    )
    this.lowOfDay = db.prepare<[{ date: string; store: string; lowDays: number; limit: number }], Row>(
      `SELECT * FROM fact_inventory ${INDEXES.low} WHERE stock_date = @date AND store_id = @store AND ${LOW} ORDER BY days_of_cover, product_id LIMIT @limit`,
    )
    // The first known row in the day's rows (a count of all of them would want an index of every row, which every gold write pays for).
    this.trackedOfDay = db.prepare<[string, string]>('SELECT 1 FROM fact_inventory WHERE stock_date = ? AND store_id = ? AND known = 1 LIMIT 1').pluck()
    this.countShrinkOfDay = db
      .prepare<[string, string]>('SELECT -coalesce(sum(shrink_units), 0) FROM fact_inventory WHERE stock_date = ? AND store_id = ? AND shrink_units != 0')
      .pluck()
    this.adjustmentsOfDay = db.prepare<[string, string], { reason: string; units: number }>(
      `SELECT reason, -sum(units) AS units FROM silver.inventory_movements
      WHERE store_id = ? AND stock_date = ? AND type = 'adjustment' GROUP BY reason`, // the adjustments' partial index (silver/schema.ts)
    )
    this.outCount = db
      .prepare<[{ date: string; store: string }]>(
        `SELECT count(*) FROM fact_inventory ${INDEXES.out} WHERE stock_date = @date AND store_id = @store AND ${OUT}`,
      )
      .pluck()
    this.lowCount = db
      .prepare<[{ date: string; store: string; lowDays: number }]>(
        `SELECT count(*) FROM fact_inventory ${INDEXES.low} WHERE stock_date = @date AND store_id = @store AND ${LOW}`,
      )
      .pluck()
  }

  /** A page of a store-day's position, gold's rows as they are; `next_after` continues it (null: the last page). */
  day(storeId: string, date: string, query: StockPageQuery): { rows: Row[]; next_after: number | null } {
    const rows = this.pages[query.filter].all({ date, store: storeId, after: query.after, limit: query.limit, lowDays: query.lowDays })
    return { rows, next_after: rows.length === query.limit ? (rows.at(-1)!.product_id as number) : null }
  }

  /** The day the store's stock now is of: today, or the last day with rows (just after midnight, before gold rolled the day); null: no stock. */
  nowDate(storeId: string, today: string): string | null {
    // A store without stock first (through the product index): the walk down the days would pass every other store's rows.
    if (this.anyRow.get(storeId) === undefined) return null
    return (this.lastDayBy.get(storeId, today) as string | undefined) ?? null
  }

  /** A page of each product's stock now (`nowDate`'s rows), with `out` and `low`. */
  now(storeId: string, today: string, query: StockPageQuery): { date: string | null; products: StockNow[]; next_after: number | null } {
    const date = this.nowDate(storeId, today)
    if (date === null) return { date, products: [], next_after: null }
    const { rows, next_after } = this.day(storeId, date, query)
    return { date, products: rows.map((row) => stockNow(row, query.lowDays)), next_after }
  }

  /** How many products are out of stock and running low now (for the metrics); undefined for a store without inventory. */
  counts(storeId: string, today: string, lowDays: number): { out: number; low: number } | undefined {
    const date = this.nowDate(storeId, today)
    if (date === null) return undefined
    return { out: this.outCount.get({ date, store: storeId }) as number, low: this.lowCount.get({ date, store: storeId, lowDays }) as number }
  }

  /** A store-day's stock as the staff page shows it (today as it stands, a past day as it closed). */
  position(storeId: string, date: string, lowDays: number): StockPosition {
    const counted = this.countShrinkOfDay.get(date, storeId) as number
    const shrink = [
      ...(counted === 0 ? [] : [{ source: 'count' as const, reason: null, units: counted }]),
      ...this.adjustmentsOfDay.all(storeId, date).map((row) => ({ source: 'adjustment' as const, reason: row.reason, units: row.units })),
    ].sort((a, b) => b.units - a.units)
    return {
      date,
      tracked: this.trackedOfDay.get(date, storeId) !== undefined,
      out: this.outOfDay.all({ date, store: storeId, limit: POSITION_LIMIT }).map((row) => stockNow(row, lowDays)),
      low: this.lowOfDay.all({ date, store: storeId, lowDays, limit: POSITION_LIMIT }).map((row) => stockNow(row, lowDays)),
      shrink,
    }
  }
}

function stockNow(row: Row, lowDays: number): StockNow {
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
}
