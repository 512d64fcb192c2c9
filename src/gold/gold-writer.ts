import type { SqliteDatabase } from '../db/open.js'
import { productAsOf } from './product-as-of.js'
import { aggregateDay, DAY_COLUMNS, perOrder, type DayAggregate, type LineSums, type ProductMeasures } from './aggregate-day.js'
import { ALL_GOLD_TABLE_NAMES, insertSql } from './gold-tables.js'
import type { DayDelta } from './gold-delta.js'

const RETURNS_COLUMNS = 'gross_amount, returns_amount, returns_count, voids_count'
const PRODUCT_RETURNS_COLUMNS = 'gross_amount, returns_amount, returns_count, returned_units'
const returnsOf = (m: LineSums): [number, number, number, number] => [m.gross, m.returnsAmount, m.returns, m.voids]
const productReturnsOf = (m: LineSums): [number, number, number, number] => [m.gross, m.returnsAmount, m.returns, m.returnedUnits]

/** Sums grow by what was added; an average is recomputed from the new sums (REAL division, as a rebuild gives it). */
const ADD = (amount: string, returns = RETURNS_COLUMNS): string =>
  [amount, 'sales_count', 'order_count', ...returns.split(', ')].map((column) => `${column} = ${column} + excluded.${column}`).join(', ')
/** `perOrder` in SQL: 0 for a group without an order (returns or voids only). */
const PER_ORDER = (value: string): string =>
  `iif(order_count + excluded.order_count = 0, 0.0, CAST(${value} + excluded.${value} AS REAL) / (order_count + excluded.order_count))`

/**
 * The one writer of gold's facts and KPIs (and of its refresh log): a store-day replaced by what
 * silver holds for it (writeDay), or grown by a delta of new sales (addDay), within the caller's
 * transaction. Retention's deletes are gold/prune-gold.ts's.
 */
export class GoldWriter {
  private readonly readDay
  private readonly deleteDay
  private readonly insertDaily
  private readonly insertHourly
  private readonly insertRegion
  private readonly insertOrders
  private readonly insertProduct
  private readonly insertDevice
  private readonly productAsOf
  private readonly insertRefreshed
  private readonly upsertDaily
  private readonly upsertHourly
  private readonly upsertRegion
  private readonly upsertOrders
  private readonly upsertProduct
  private readonly upsertDevice
  private readonly rerank

  constructor(db: SqliteDatabase) {
    this.readDay = db.prepare(`SELECT ${DAY_COLUMNS} FROM silver.sales_enriched WHERE store_id = ? AND sale_date = ? AND bronze_id <= ?`).raw()
    this.deleteDay = ALL_GOLD_TABLE_NAMES.map((name) => db.prepare(`DELETE FROM gold.${name} WHERE store_id = ? AND sale_date = ?`))
    this.insertDaily = db.prepare(insertSql('fact_daily_sales'))
    this.insertHourly = db.prepare(insertSql('fact_hourly_sales'))
    this.insertRegion = db.prepare(insertSql('kpi_revenue_by_region'))
    this.insertRefreshed = db.prepare('INSERT INTO gold.refreshed_days (store_id, sale_date) VALUES (?, ?)')
    this.insertOrders = db.prepare(insertSql('kpi_daily_orders'))
    this.insertProduct = db.prepare(insertSql('fact_daily_product_sales'))
    this.insertDevice = db.prepare(insertSql('fact_daily_device_sales'))
    this.productAsOf = productAsOf(db)
    this.upsertDaily = db.prepare(`INSERT INTO gold.fact_daily_sales (sale_date, store_id, region, category, daily_sales_amount,
      sales_count, order_count, avg_order_amount, ${RETURNS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET ${ADD('daily_sales_amount')}, avg_order_amount = ${PER_ORDER('daily_sales_amount')}`)
    this.upsertHourly = db.prepare(`INSERT INTO gold.fact_hourly_sales (sale_date, store_id, sale_hour, sales_amount, sales_count,
      order_count, ${RETURNS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET ${ADD('sales_amount')}`)
    this.upsertRegion = db.prepare(`INSERT INTO gold.kpi_revenue_by_region (sale_date, store_id, region, revenue_amount, sales_count,
      order_count, avg_order_amount, ${RETURNS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET ${ADD('revenue_amount')}, avg_order_amount = ${PER_ORDER('revenue_amount')}`)
    this.upsertOrders = db.prepare(`INSERT INTO gold.kpi_daily_orders (sale_date, store_id, total_amount, sales_count, units,
      order_count, avg_order_amount, avg_units_per_order, ${RETURNS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET ${ADD('total_amount')}, units = units + excluded.units,
        avg_order_amount = ${PER_ORDER('total_amount')}, avg_units_per_order = ${PER_ORDER('units')}`)
    // The name is the version valid at the product's last sale of the day: a later sale's, if this delta has one.
    this.upsertProduct = db.prepare(`INSERT INTO gold.fact_daily_product_sales (sale_date, store_id, product_id, product_name, category,
      sales_amount, sales_count, units, order_count, sales_rank, last_sale_at, ${PRODUCT_RETURNS_COLUMNS})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET ${ADD('sales_amount', PRODUCT_RETURNS_COLUMNS)}, units = units + excluded.units,
        product_name = iif(excluded.last_sale_at > last_sale_at, excluded.product_name, product_name),
        category = iif(excluded.last_sale_at > last_sale_at, excluded.category, category),
        last_sale_at = max(last_sale_at, excluded.last_sale_at)`)
    this.upsertDevice = db.prepare(`INSERT INTO gold.fact_daily_device_sales (sale_date, store_id, device_id, sales_amount, sales_count,
      units, order_count, ${RETURNS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET ${ADD('sales_amount')}, units = units + excluded.units`)
    this.rerank = db.prepare(`UPDATE gold.fact_daily_product_sales AS f SET sales_rank = r.rank
      FROM (SELECT product_id, row_number() OVER (ORDER BY sales_amount DESC, units DESC, product_id) AS rank
            FROM gold.fact_daily_product_sales WHERE store_id = @store AND sale_date = @date) AS r
      WHERE f.store_id = @store AND f.sale_date = @date AND f.product_id = r.product_id AND f.sales_rank <> r.rank`)
  }

  /**
   * Recomputes the day from its silver sales up to bronze id `throughId` (where gold's additions
   * stand: later ones are added to it); a day with no sales left loses its rows. Returns the sales read.
   */
  writeDay(storeId: string, saleDate: string, throughId: number): number {
    for (const remove of this.deleteDay) remove.run(storeId, saleDate)
    // Streamed (no other statement runs on this connection meanwhile): a day of a million sales
    // must not be held in memory.
    const aggregate = aggregateDay(this.readDay.iterate(storeId, saleDate, throughId) as Iterable<unknown[]>)
    // A day of returns or voided lines only has rows too (as the additions give them).
    if (aggregate.day.lines + aggregate.day.returns + aggregate.day.voids > 0) this.insert(storeId, saleDate, aggregate)
    this.logRefresh(storeId, saleDate)
    return aggregate.day.lines
  }

  /** Snapshots ship the day again. */
  logRefresh(storeId: string, saleDate: string): void {
    this.insertRefreshed.run(storeId, saleDate)
  }

  /** Adds a day's delta of new sales (gold-delta.ts) to its gold rows (within a transaction). */
  addDay({ storeId, saleDate, day, byRegionCategory, byRegion, byHour, byProduct, byDevice }: DayDelta): void {
    for (const { region, category, delta } of byRegionCategory.values()) {
      const average = perOrder(delta.amount, delta.newOrders)
      this.upsertDaily.run(saleDate, storeId, region, category, delta.amount, delta.lines, delta.newOrders, average, ...returnsOf(delta))
    }
    for (const [hour, delta] of byHour) this.upsertHourly.run(saleDate, storeId, hour, delta.amount, delta.lines, delta.newOrders, ...returnsOf(delta))
    for (const [region, delta] of byRegion) {
      this.upsertRegion.run(saleDate, storeId, region, delta.amount, delta.lines, delta.newOrders, perOrder(delta.amount, delta.newOrders), ...returnsOf(delta))
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
      ...returnsOf(day),
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
        ...productReturnsOf(delta),
      )
    }
    this.rerank.run({ store: storeId, date: saleDate })
    for (const [device, delta] of byDevice) {
      this.upsertDevice.run(saleDate, storeId, device, delta.amount, delta.lines, delta.units, delta.newOrders, ...returnsOf(delta))
    }
  }

  private insert(storeId: string, saleDate: string, aggregate: DayAggregate): void {
    for (const { region, category, measures } of aggregate.byRegionCategory.values()) {
      const { amount, lines, orderCount, avgOrderAmount } = measures
      this.insertDaily.run(saleDate, storeId, region, category, amount, lines, orderCount, avgOrderAmount, ...returnsOf(measures))
    }
    for (const [hour, measures] of aggregate.byHour) {
      this.insertHourly.run(saleDate, storeId, hour, measures.amount, measures.lines, measures.orderCount, ...returnsOf(measures))
    }
    for (const [region, measures] of aggregate.byRegion) {
      this.insertRegion.run(saleDate, storeId, region, measures.amount, measures.lines, measures.orderCount, measures.avgOrderAmount, ...returnsOf(measures))
    }
    const day = aggregate.day
    const perDayOrder = [day.avgOrderAmount, perOrder(day.units, day.orderCount)]
    this.insertOrders.run(saleDate, storeId, day.amount, day.lines, day.units, day.orderCount, ...perDayOrder, ...returnsOf(day))
    rankProducts(aggregate.byProduct).forEach(([productId, measures], index) => {
      const named = this.productAsOf(productId, measures.lastSaleMs)
      this.insertProduct.run(
        saleDate,
        storeId,
        productId,
        named.name,
        named.category,
        measures.amount,
        measures.lines,
        measures.units,
        measures.orderCount,
        index + 1,
        new Date(measures.lastSaleMs).toISOString(),
        ...productReturnsOf(measures),
      )
    })
    for (const [deviceId, measures] of aggregate.byDevice) {
      this.insertDevice.run(saleDate, storeId, deviceId, measures.amount, measures.lines, measures.units, measures.orderCount, ...returnsOf(measures))
    }
  }
}

/** Best seller first: by amount, then units, then the lower product id (a total order: ranks are stable). */
function rankProducts(byProduct: Map<number, ProductMeasures>): [number, ProductMeasures][] {
  return [...byProduct].sort(([idA, a], [idB, b]) => b.amount - a.amount || b.units - a.units || idA - idB)
}
