import type { Statement } from 'better-sqlite3'
import type { SqliteDatabase } from '../db/open.js'
import { DAY_COLUMNS, type DayRow } from './aggregate-day.js'
import { productAsOf } from './product-as-of.js'

/** A new silver sale as gold adds it: where it stands (bronze id, store, day), then a day's row (aggregate-day.ts). */
export const APPENDED_COLUMNS = `bronze_id, store_id, sale_date, ${DAY_COLUMNS}`
export type AppendedRow = [bronzeId: number, storeId: string, saleDate: string, ...DayRow]

/** What a batch of new sales adds to one group: sums, and the orders that had no line in it before. */
class Delta {
  amount = 0
  lines = 0
  units = 0
  newOrders = 0
  lastSaleMs = Number.NEGATIVE_INFINITY

  add(row: AppendedRow, newOrder: boolean): void {
    this.amount += row[6]
    this.lines++
    this.units += row[7]
    if (newOrder) this.newOrders++
    if (row[11] > this.lastSaleMs) this.lastSaleMs = row[11]
  }
}

interface DayDelta {
  storeId: string
  saleDate: string
  day: Delta
  byRegionCategory: Map<string, { region: string; category: string; delta: Delta }>
  byRegion: Map<string, Delta>
  byHour: Map<number, Delta>
  byProduct: Map<number, Delta>
  byDevice: Map<string, Delta>
}

function deltaOf<K>(map: Map<K, Delta>, key: K): Delta {
  let delta = map.get(key)
  if (delta === undefined) {
    delta = new Delta()
    map.set(key, delta)
  }
  return delta
}

/** The grains an order is counted in, and how to tell whether an earlier line of it is in the same group. */
const EARLIER_LINE = {
  day: '',
  regionCategory: 'AND region = @region AND category = @category',
  region: 'AND region = @region',
  hour: 'AND sale_hour = @hour',
  product: 'AND product_id = @product',
} as const
type Grain = keyof typeof EARLIER_LINE

/** Sums grow by what was added; an average is recomputed from the new sums (REAL division, as a rebuild gives it). */
const ADD = (amount: string, orders = 'order_count'): string => `${amount} = ${amount} + excluded.${amount}, sales_count = sales_count + excluded.sales_count,
  ${orders} = ${orders} + excluded.${orders}`
/** An average for a new row (a group's first lines always bring an order); on a conflict it is recomputed. */
const perOrder = (value: number, orders: number): number => (orders === 0 ? 0 : value / orders)
const AVERAGE = (amount: string): string => `CAST(${amount} + excluded.${amount} AS REAL) / (order_count + excluded.order_count)`

/**
 * Adds new silver sales to gold, in cost proportional to the sales added, not to the day: each
 * group's sums grow by the new sales', and an order counts in a group only if none of its earlier
 * lines is there (one indexed look-up in silver, usually answered by the order's first line). The
 * results are those of recomputing the day (aggregate-day.ts) to the byte: the same integers, the
 * same divisions, the same product ranking.
 */
export class GoldDelta {
  private readonly earlierLine: Record<Grain, Statement<unknown[]>>
  private readonly upsertDaily
  private readonly upsertHourly
  private readonly upsertRegion
  private readonly upsertOrders
  private readonly upsertProduct
  private readonly upsertDevice
  private readonly rerank
  private readonly productAsOf

  constructor(db: SqliteDatabase) {
    this.earlierLine = Object.fromEntries(
      Object.entries(EARLIER_LINE).map(([grain, where]) => [
        grain,
        db
          .prepare(
            `SELECT 1 FROM silver.sales_enriched
      WHERE store_id = @store AND sale_date = @date AND device_id = @device AND order_id = @order AND bronze_id < @id ${where} LIMIT 1`,
          )
          .pluck(),
      ]),
    ) as Record<Grain, Statement<unknown[]>>
    this.upsertDaily = db.prepare(`INSERT INTO gold.fact_daily_sales (sale_date, store_id, region, category, daily_sales_amount,
      sales_count, order_count, avg_order_amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET ${ADD('daily_sales_amount')}, avg_order_amount = ${AVERAGE('daily_sales_amount')}`)
    this.upsertHourly = db.prepare(`INSERT INTO gold.fact_hourly_sales (sale_date, store_id, sale_hour, sales_amount, sales_count,
      order_count) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET ${ADD('sales_amount')}`)
    this.upsertRegion = db.prepare(`INSERT INTO gold.kpi_revenue_by_region (sale_date, store_id, region, revenue_amount, sales_count,
      order_count, avg_order_amount) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET ${ADD('revenue_amount')}, avg_order_amount = ${AVERAGE('revenue_amount')}`)
    this.upsertOrders = db.prepare(`INSERT INTO gold.kpi_daily_orders (sale_date, store_id, total_amount, sales_count, units,
      order_count, avg_order_amount, avg_units_per_order) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET ${ADD('total_amount')}, units = units + excluded.units,
        avg_order_amount = ${AVERAGE('total_amount')}, avg_units_per_order = CAST(units + excluded.units AS REAL) / (order_count + excluded.order_count)`)
    // The name is the version valid at the product's last sale of the day: a later sale's, if this delta has one.
    this.upsertProduct = db.prepare(`INSERT INTO gold.fact_daily_product_sales (sale_date, store_id, product_id, product_name, category,
      sales_amount, sales_count, units, order_count, sales_rank, last_sale_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
      ON CONFLICT DO UPDATE SET ${ADD('sales_amount')}, units = units + excluded.units,
        product_name = iif(excluded.last_sale_at > last_sale_at, excluded.product_name, product_name),
        category = iif(excluded.last_sale_at > last_sale_at, excluded.category, category),
        last_sale_at = max(last_sale_at, excluded.last_sale_at)`)
    this.upsertDevice = db.prepare(`INSERT INTO gold.fact_daily_device_sales (sale_date, store_id, device_id, sales_amount, sales_count,
      units, order_count) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET ${ADD('sales_amount')}, units = units + excluded.units`)
    this.rerank = db.prepare(`UPDATE gold.fact_daily_product_sales AS f SET sales_rank = r.rank
      FROM (SELECT product_id, row_number() OVER (ORDER BY sales_amount DESC, units DESC, product_id) AS rank
            FROM gold.fact_daily_product_sales WHERE store_id = @store AND sale_date = @date) AS r
      WHERE f.store_id = @store AND f.sale_date = @date AND f.product_id = r.product_id AND f.sales_rank <> r.rank`)
    this.productAsOf = productAsOf(db)
  }

  /**
   * Adds `rows` (new silver sales, in bronze order) to the gold rows of their days, within the
   * caller's transaction. Every earlier sale of those days must already be in gold. Returns the days touched.
   */
  add(rows: AppendedRow[]): { storeId: string; saleDate: string }[] {
    const days = new Map<string, DayDelta>()
    for (const row of rows) {
      const key = `${row[1]}\u0000${row[2]}`
      let day = days.get(key)
      if (day === undefined) {
        day = {
          storeId: row[1],
          saleDate: row[2],
          day: new Delta(),
          byRegionCategory: new Map(),
          byRegion: new Map(),
          byHour: new Map(),
          byProduct: new Map(),
          byDevice: new Map(),
        }
        days.set(key, day)
      }
      this.addRow(day, row)
    }
    for (const day of days.values()) this.write(day)
    return [...days.values()]
  }

  private addRow(day: DayDelta, row: AppendedRow): void {
    const [id, storeId, saleDate, region, category, hour, , , device, order, product] = row
    // A sale without an order id is its own order; so is the first line of an order that day.
    const firstOfOrder = order === null || this.earlierLine.day.get({ store: storeId, date: saleDate, device, order, id }) === undefined
    const isNew = (grain: Grain, keys: Record<string, unknown>): boolean =>
      firstOfOrder || this.earlierLine[grain].get({ store: storeId, date: saleDate, device, order, id, ...keys }) === undefined
    day.day.add(row, firstOfOrder)
    const key = `${region}\u0000${category}`
    let group = day.byRegionCategory.get(key)
    if (group === undefined) {
      group = { region, category, delta: new Delta() }
      day.byRegionCategory.set(key, group)
    }
    group.delta.add(row, isNew('regionCategory', { region, category }))
    deltaOf(day.byRegion, region).add(row, isNew('region', { region }))
    deltaOf(day.byHour, hour).add(row, isNew('hour', { hour }))
    deltaOf(day.byProduct, product).add(row, isNew('product', { product }))
    // An order is (device, order id): its first line of the day is its first line of the device's day.
    deltaOf(day.byDevice, device).add(row, firstOfOrder)
  }

  private write({ storeId, saleDate, day, byRegionCategory, byRegion, byHour, byProduct, byDevice }: DayDelta): void {
    for (const { region, category, delta } of byRegionCategory.values()) {
      this.upsertDaily.run(saleDate, storeId, region, category, delta.amount, delta.lines, delta.newOrders, perOrder(delta.amount, delta.newOrders))
    }
    for (const [hour, delta] of byHour) this.upsertHourly.run(saleDate, storeId, hour, delta.amount, delta.lines, delta.newOrders)
    for (const [region, delta] of byRegion) {
      this.upsertRegion.run(saleDate, storeId, region, delta.amount, delta.lines, delta.newOrders, perOrder(delta.amount, delta.newOrders))
    }
    this.upsertOrders.run(
      saleDate,
      storeId,
      day.amount,
      day.lines,
      day.units,
      day.newOrders,
      perOrder(day.amount, day.newOrders),
      perOrder(day.units, day.newOrders),
    )
    for (const [product, delta] of byProduct) {
      const named = this.productAsOf(product, delta.lastSaleMs)
      this.upsertProduct.run(
        saleDate,
        storeId,
        product,
        named.name,
        named.category,
        delta.amount,
        delta.lines,
        delta.units,
        delta.newOrders,
        new Date(delta.lastSaleMs).toISOString(),
      )
    }
    this.rerank.run({ store: storeId, date: saleDate })
    for (const [device, delta] of byDevice) this.upsertDevice.run(saleDate, storeId, device, delta.amount, delta.lines, delta.units, delta.newOrders)
  }
}
