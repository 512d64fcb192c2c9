import Database from 'better-sqlite3'
import { databaseFile } from '../db/open.js'
import { addDays } from '../util/calendar-date.js'
import { dayColumnOf, SHIPPED_TABLE_NAMES, shippedKeyOf } from './gold-tables.js'
import { goldBacklogSql } from './gold-refresher.js'
import { StockReader } from './stock-reader.js'

type Hour = { hour: number; amount: number; count: number; order_count: number }

/** The same weekday a week before, for the staff page's comparison (kept as it was: `compare.last_week` has more). */
export interface LastWeek {
  date: string
  total_amount: number
  sales_count: number
  order_count: number
  /**
   * Last week's amount up to the same time of day as now (for today; the whole day for a past
   * day): the hours before this one, plus this hour's amount prorated by the minutes gone.
   */
  same_time_amount: number
  by_hour: Hour[]
}

/**
 * What a day is compared with (docs/gold.md, "Comparisons"): one earlier day, or the mean of
 * several (`four_weeks`). Amounts in major units, exact to the minor unit; a mean's amounts are
 * rounded to the minor unit half away from zero, its counts are exact (a multiple of 1/4 for four
 * days: round them for display).
 */
export interface Comparison {
  /** The days compared with, newest first: one, or the four a mean is taken over. */
  dates: string[]
  /**
   * How many of `dates` have gold. A day without (no sale: before the gateway ran, a closed day;
   * or pruned, below) counts as zero in the mean, which is always over every date.
   */
  days_with_data: number
  /** Those of `dates` whose gold retention removed (older than retention.goldDays): zeros that mean "not kept here", not "no sales". */
  pruned_dates: string[]
  total_amount: number
  /**
   * The amount up to the same time of day as now when the day compared is today (the hours before
   * this one, plus this hour's amount prorated by the minutes gone); the whole day otherwise.
   */
  same_time_amount: number
  sales_count: number
  order_count: number
  units: number
  /** Per store-local hour, hours with sales on any of `dates`, in order. */
  by_hour: Hour[]
}

/** The staff totals of one store and day (docs/gold.md, "HTTP API"). Amounts in major units, exact to the minor unit. */
export interface Totals {
  date: string
  store_id: string
  currency: string
  total_amount: number
  sales_count: number
  order_count: number
  avg_order_amount: number
  units: number
  /** `total_amount` is net (gross - returns, voided lines left out); these are beside it (docs/gold.md, "Net, gross, returns"). */
  gross_amount: number
  /** Returned, a positive amount. */
  returns_amount: number
  returns_count: number
  voids_count: number
  /** When gold last caught up with silver: how fresh these numbers are. */
  as_of: string | null
  /**
   * When retention removed the day's gold (older than retention.goldDays): its figures are no
   * longer kept here (central's lake has them), and the zeros say nothing. Null: the day is kept.
   */
  pruned_at: string | null
  by_category: { category: string; amount: number; count: number }[]
  by_region: { region: string; amount: number; count: number; order_count: number }[]
  by_hour: Hour[]
  last_week: LastWeek
  /** The day against the day before, the same weekday a week before, and the mean of the same weekday 1-4 weeks before. */
  compare: { yesterday: Comparison; last_week: Comparison; four_weeks: Comparison }
}

/** Days before the day compared: yesterday, then the same weekday one to four weeks back (the mean's days). */
const YESTERDAY = -1
const FOUR_WEEKS = [-7, -14, -21, -28]
const COMPARED_DAYS = [YESTERDAY, ...FOUR_WEEKS]
const IN_COMPARED_DAYS = `IN (${COMPARED_DAYS.map(() => '?').join(', ')})`

/** One of the day's products, best seller first (gold.fact_daily_product_sales). */
export interface TopProduct {
  rank: number
  product_id: number
  product_name: string
  category: string
  amount: number
  count: number
  units: number
  order_count: number
  last_sale_at: string
  /** Units returned that day (its `units` are net of them). */
  returned_units: number
}

/** A device's sales of a store-day (gold.fact_daily_device_sales), amount in major units. */
export interface DeviceSales {
  device_id: string
  amount: number
  sales_count: number
  order_count: number
  units: number
}

/** A store as dim_store has it now. */
export interface StoreRecord {
  store_id: string
  store_name: string
  timezone: string
}

type DayRow = {
  total_amount: number
  sales_count: number
  units: number
  order_count: number
  avg_order_amount: number
  gross_amount: number
  returns_amount: number
  returns_count: number
  voids_count: number
}
type ComparedDay = { sale_date: string; total_amount: number; sales_count: number; units: number; order_count: number }
type ComparedHour = Hour & { sale_date: string }

/** n / d rounded to the nearest integer, half away from zero, in integers (exact for any safe n). */
export function divideRoundingHalfAway(n: number, d: number): number {
  const magnitude = Math.abs(n)
  const quotient = Math.floor(magnitude / d)
  const rounded = 2 * (magnitude - quotient * d) >= d ? quotient + 1 : quotient
  return n < 0 ? -rounded : rounded
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
  private readonly products
  private readonly devices
  private readonly refreshedAfter
  /** Stock on hand (gold.fact_inventory) on the same connection. */
  readonly stock: StockReader
  private readonly caughtUp
  private readonly lastRefreshed
  private readonly pendingChanges
  private readonly currentStores
  private readonly inOneSnapshot: <T>(read: () => T) => T

  constructor(
    dataDir: string,
    private readonly currency: { code: string; minorUnitDigits: number },
  ) {
    this.db = new Database(databaseFile(dataDir, 'gold'), { readonly: true, fileMustExist: true })
    this.db.pragma('busy_timeout = 1000')
    this.db.prepare('ATTACH DATABASE ? AS silver').run(databaseFile(dataDir, 'silver'))
    this.scale = 10 ** currency.minorUnitDigits
    const day = this.db.prepare(
      `SELECT total_amount, sales_count, units, order_count, avg_order_amount, gross_amount, returns_amount, returns_count, voids_count
      FROM kpi_daily_orders WHERE store_id = ? AND sale_date = ?`,
    )
    const categories = this.db.prepare(`SELECT category, sum(daily_sales_amount) AS amount, sum(sales_count) AS count
      FROM fact_daily_sales WHERE store_id = ? AND sale_date = ? GROUP BY category ORDER BY amount DESC, category`)
    const regions = this.db.prepare(`SELECT region, revenue_amount AS amount, sales_count AS count, order_count
      FROM kpi_revenue_by_region WHERE store_id = ? AND sale_date = ? ORDER BY amount DESC, region`)
    const hours = this.db.prepare(`SELECT sale_hour AS hour, sales_amount AS amount, sales_count AS count, order_count
      FROM fact_hourly_sales WHERE store_id = ? AND sale_date = ? ORDER BY sale_hour`)
    const asOf = this.db.prepare("SELECT value FROM pipeline_state WHERE name = 'caught_up_at'").pluck()
    const prunedAt = this.db.prepare('SELECT gold_pruned_at FROM silver.pruned_days WHERE store_id = ? AND sale_date = ?').pluck()
    // The compared days: a primary-key look-up per day in each table (sale_date leads both keys).
    const comparedDays = this.db.prepare(`SELECT sale_date, total_amount, sales_count, units, order_count FROM kpi_daily_orders
      WHERE store_id = ? AND sale_date ${IN_COMPARED_DAYS}`)
    const comparedHours = this.db.prepare(`SELECT sale_date, sale_hour AS hour, sales_amount AS amount, sales_count AS count, order_count
      FROM fact_hourly_sales WHERE store_id = ? AND sale_date ${IN_COMPARED_DAYS}`)
    const comparedPruned = this.db
      .prepare(`SELECT sale_date FROM silver.pruned_days WHERE store_id = ? AND sale_date ${IN_COMPARED_DAYS} AND gold_pruned_at IS NOT NULL`)
      .pluck()
    this.totalsInOneSnapshot = this.db.transaction((storeId: string, date: string) => {
      const dates = COMPARED_DAYS.map((offset) => addDays(date, offset))
      return {
        day: day.get(storeId, date) as DayRow | undefined,
        categories: categories.all(storeId, date) as { category: string; amount: number; count: number }[],
        regions: regions.all(storeId, date) as { region: string; amount: number; count: number; order_count: number }[],
        hours: hours.all(storeId, date) as Hour[],
        asOf: asOf.get() as string | undefined,
        prunedAt: (prunedAt.get(storeId, date) as string | null | undefined) ?? null,
        comparedDays: comparedDays.all(storeId, ...dates) as ComparedDay[],
        comparedHours: comparedHours.all(storeId, ...dates) as ComparedHour[],
        comparedPruned: comparedPruned.all(storeId, ...dates) as string[],
      }
    })
    this.products = this.db.prepare(`SELECT sales_rank AS rank, product_id, product_name, category, sales_amount AS amount, sales_count AS count,
      units, order_count, last_sale_at, returned_units FROM fact_daily_product_sales WHERE sale_date = ? AND store_id = ? ORDER BY sales_rank LIMIT ?`)
    this.devices = this.db.prepare(`SELECT device_id, sales_amount AS amount, sales_count, order_count, units
      FROM fact_daily_device_sales WHERE sale_date = ? AND store_id = ? ORDER BY device_id`)
    this.refreshedAfter = this.db.prepare('SELECT seq, store_id, sale_date FROM refreshed_days WHERE seq > ? ORDER BY seq LIMIT ?')
    this.lastRefreshed = this.db.prepare('SELECT coalesce(max(seq), 0) FROM refreshed_days').pluck()
    this.pendingChanges = this.db.prepare(`SELECT ${goldBacklogSql('main')}`).pluck()
    this.currentStores = this.db.prepare('SELECT store_id, store_name, timezone FROM silver.dim_store WHERE is_current = 1 ORDER BY store_id')
    const transaction = this.db.transaction((read: () => unknown) => read())
    this.inOneSnapshot = <T>(read: () => T): T => transaction(read) as T
    this.tables = new Map(
      SHIPPED_TABLE_NAMES.map((name) => [
        name,
        this.db.prepare(`SELECT * FROM ${name} WHERE store_id = ? AND ${dayColumnOf(name)} BETWEEN ? AND ? ORDER BY ${shippedKeyOf(name)} LIMIT ?`),
      ]),
    )
    this.storeZone = this.db.prepare('SELECT timezone FROM silver.dim_store WHERE store_id = ? AND is_current = 1').pluck()
    this.stock = new StockReader(this.db)
    this.caughtUp = this.db.prepare("SELECT value FROM pipeline_state WHERE name = 'caught_up_at'").pluck()
  }

  /** When gold last caught up with silver (null: never): how fresh its figures are. */
  caughtUpAt(): string | null {
    return (this.caughtUp.get() as string | undefined) ?? null
  }

  /** Minor units to major units: k / 10^d is the double nearest the decimal, so it prints exactly. */
  private major(minor: number): number {
    return minor / this.scale
  }

  /**
   * The staff totals of a store-day, and what it is compared with: yesterday, the same weekday a
   * week before, the mean of the same weekday 1-4 weeks before. `now` is the store's wall clock
   * when the day is today: the comparisons' `same_time_amount` stops there.
   */
  totals(storeId: string, date: string, now?: { hour: number; minute: number }): Totals {
    const { day, categories, regions, hours, asOf, prunedAt, comparedDays, comparedHours, comparedPruned } = this.totalsInOneSnapshot(storeId, date)
    const compared = { days: new Map(comparedDays.map((row) => [row.sale_date, row])), hours: comparedHours, pruned: new Set(comparedPruned) }
    const compare = {
      yesterday: this.comparison([addDays(date, YESTERDAY)], compared, now),
      last_week: this.comparison([addDays(date, -7)], compared, now),
      four_weeks: this.comparison(
        FOUR_WEEKS.map((offset) => addDays(date, offset)),
        compared,
        now,
      ),
    }
    return {
      date,
      store_id: storeId,
      currency: this.currency.code,
      total_amount: this.major(day?.total_amount ?? 0),
      sales_count: day?.sales_count ?? 0,
      order_count: day?.order_count ?? 0,
      avg_order_amount: day ? Math.round(day.avg_order_amount) / this.scale : 0,
      units: day?.units ?? 0,
      gross_amount: this.major(day?.gross_amount ?? 0),
      returns_amount: this.major(day?.returns_amount ?? 0),
      returns_count: day?.returns_count ?? 0,
      voids_count: day?.voids_count ?? 0,
      as_of: asOf ?? null,
      pruned_at: prunedAt,
      by_category: categories.map((row) => ({ ...row, amount: this.major(row.amount) })),
      by_region: regions.map((row) => ({ ...row, amount: this.major(row.amount) })),
      by_hour: hours.map((row) => ({ ...row, amount: this.major(row.amount) })),
      last_week: {
        date: compare.last_week.dates[0]!,
        total_amount: compare.last_week.total_amount,
        sales_count: compare.last_week.sales_count,
        order_count: compare.last_week.order_count,
        same_time_amount: compare.last_week.same_time_amount,
        by_hour: compare.last_week.by_hour,
      },
      compare,
    }
  }

  /**
   * The mean of some compared days (one day: that day). Sums stay integers of minor units until
   * one division at the end: an amount is rounded once, half away from zero, and a count is exact.
   */
  private comparison(
    dates: string[],
    compared: { days: Map<string, ComparedDay>; hours: ComparedHour[]; pruned: Set<string> },
    now: { hour: number; minute: number } | undefined,
  ): Comparison {
    const n = dates.length
    const of = new Set(dates)
    const sum = { amount: 0, lines: 0, orders: 0, units: 0, withData: 0 }
    for (const date of dates) {
      const day = compared.days.get(date)
      if (day === undefined) continue
      sum.withData++
      sum.amount += day.total_amount
      sum.lines += day.sales_count
      sum.orders += day.order_count
      sum.units += day.units
    }
    const byHour = new Map<number, { amount: number; count: number; order_count: number }>()
    // Up to now, in minor units x 60: the hours before this one whole, this hour's by the minutes gone.
    let sameTimeSixtieths = 0
    for (const row of compared.hours) {
      if (!of.has(row.sale_date)) continue
      const hour = byHour.get(row.hour) ?? { amount: 0, count: 0, order_count: 0 }
      hour.amount += row.amount
      hour.count += row.count
      hour.order_count += row.order_count
      byHour.set(row.hour, hour)
      if (now !== undefined && row.hour < now.hour) sameTimeSixtieths += row.amount * 60
      else if (now !== undefined && row.hour === now.hour) sameTimeSixtieths += row.amount * now.minute
    }
    return {
      dates,
      days_with_data: sum.withData,
      pruned_dates: dates.filter((date) => compared.pruned.has(date)),
      total_amount: this.major(divideRoundingHalfAway(sum.amount, n)),
      same_time_amount: this.major(now === undefined ? divideRoundingHalfAway(sum.amount, n) : divideRoundingHalfAway(sameTimeSixtieths, 60 * n)),
      sales_count: sum.lines / n,
      order_count: sum.orders / n,
      units: sum.units / n,
      by_hour: [...byHour]
        .sort(([a], [b]) => a - b)
        .map(([hour, total]) => ({
          hour,
          amount: this.major(divideRoundingHalfAway(total.amount, n)),
          count: total.count / n,
          order_count: total.order_count / n,
        })),
    }
  }

  /** A store-day's totals and its best sellers from one gold state (one read transaction). */
  day(storeId: string, date: string, now: { hour: number; minute: number } | undefined, limit: number): { totals: Totals; top_products: TopProduct[] } {
    return this.inOneSnapshot(() => ({ totals: this.totals(storeId, date, now), top_products: this.topProducts(storeId, date, limit) }))
  }

  /** The day's best-selling products, at most `limit`, amounts in major units. */
  topProducts(storeId: string, date: string, limit: number): TopProduct[] {
    return (this.products.all(date, storeId, limit) as TopProduct[]).map((row) => ({ ...row, amount: this.major(row.amount) }))
  }

  /**
   * Each device's sales of a store-day: a primary-key range of one row per device that sold, so
   * the broker's thread pays the same for a day of a hundred sales or of a hundred thousand.
   */
  deviceSales(storeId: string, date: string): DeviceSales[] {
    return (this.devices.all(date, storeId) as DeviceSales[]).map((row) => ({ ...row, amount: this.major(row.amount) }))
  }

  /** The store-days gold rewrote after a refresh seq (at most `limit`), and the newest seq. */
  refreshedSince(seq: number, limit: number): { seq: number; days: { store_id: string; sale_date: string }[] } {
    const rows = this.refreshedAfter.all(seq, limit) as { seq: number; store_id: string; sale_date: string }[]
    return { seq: rows.at(-1)?.seq ?? seq, days: rows.map(({ store_id, sale_date }) => ({ store_id, sale_date })) }
  }

  /** The newest refresh seq (0: gold never wrote a day). */
  lastRefreshSeq(): number {
    return this.lastRefreshed.get() as number
  }

  /** Silver's marked days and new sales gold has not applied yet. */
  pendingDayChanges(): number {
    return Math.max(0, this.pendingChanges.get() as number)
  }

  /** The stores dim_store knows now. */
  stores(): StoreRecord[] {
    return this.currentStores.all() as StoreRecord[]
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
