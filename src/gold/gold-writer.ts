import type { SqliteDatabase } from '../db/open.js'
import { productAsOf } from './product-as-of.js'
import { aggregateDay, DAY_COLUMNS, type DayAggregate, type ProductMeasures } from './aggregate-day.js'
import { ALL_GOLD_TABLE_NAMES, insertSql } from './gold-tables.js'

/** Replaces the gold rows of one store-day with what silver holds for it (within a transaction). */
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
    if (aggregate.day.lines > 0) this.insert(storeId, saleDate, aggregate)
    this.logRefresh(storeId, saleDate)
    return aggregate.day.lines
  }

  /** Snapshots ship the day again. */
  logRefresh(storeId: string, saleDate: string): void {
    this.insertRefreshed.run(storeId, saleDate)
  }

  private insert(storeId: string, saleDate: string, aggregate: DayAggregate): void {
    for (const { region, category, measures } of aggregate.byRegionCategory.values()) {
      this.insertDaily.run(saleDate, storeId, region, category, measures.amount, measures.lines, measures.orderCount, measures.avgOrderAmount)
    }
    for (const [hour, measures] of aggregate.byHour) {
      this.insertHourly.run(saleDate, storeId, hour, measures.amount, measures.lines, measures.orderCount)
    }
    for (const [region, measures] of aggregate.byRegion) {
      this.insertRegion.run(saleDate, storeId, region, measures.amount, measures.lines, measures.orderCount, measures.avgOrderAmount)
    }
    const day = aggregate.day
    this.insertOrders.run(saleDate, storeId, day.amount, day.lines, day.units, day.orderCount, day.avgOrderAmount, day.units / day.orderCount)
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
      )
    })
    for (const [deviceId, measures] of aggregate.byDevice) {
      this.insertDevice.run(saleDate, storeId, deviceId, measures.amount, measures.lines, measures.units, measures.orderCount)
    }
  }
}

/** Best seller first: by amount, then units, then the lower product id (a total order: ranks are stable). */
function rankProducts(byProduct: Map<number, ProductMeasures>): [number, ProductMeasures][] {
  return [...byProduct].sort(([idA, a], [idB, b]) => b.amount - a.amount || b.units - a.units || idA - idB)
}
