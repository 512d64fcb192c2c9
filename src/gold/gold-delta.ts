import type { Statement } from 'better-sqlite3'
import type { SqliteDatabase } from '../db/open.js'
import { DAY_COLUMNS, LineSums, type DayRow } from './aggregate-day.js'
import { OrdersSeen, type GoldPosition, type OrderGroups } from './orders-seen.js'

/** A new silver sale as gold adds it: where it stands (bronze id, store, day), then a day's row (aggregate-day.ts). */
export const APPENDED_COLUMNS = `bronze_id, store_id, sale_date, ${DAY_COLUMNS}`
export type AppendedRow = [bronzeId: number, storeId: string, saleDate: string, ...DayRow]

/** What a batch of new sales adds to one group: sums as aggregate-day.ts's Measures keeps them, and the orders that had no sale line in it before. */
export class Delta extends LineSums {
  newOrders = 0
  lastSaleMs = Number.NEGATIVE_INFINITY

  add(row: AppendedRow, newOrder: boolean): void {
    if (row[12] === 0 && row[11] > this.lastSaleMs) this.lastSaleMs = row[11]
    if (this.addLine(row[6], row[7], row[12]) && newOrder) this.newOrders++
  }
}

export interface DayDelta {
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

/**
 * What new silver sales add to gold, in cost proportional to the sales added, not to the day: each
 * group's sums grow by the new sales' (written by gold-writer.ts), and an order counts in a group only if none of its earlier
 * lines is there (one indexed look-up in silver, usually answered by the order's first line, and
 * none for groups its earlier lines are remembered in: orders-seen.ts). The results are those of
 * recomputing the day (aggregate-day.ts) to the byte: the same integers, the same divisions, the
 * same product ranking.
 */
export class GoldDelta {
  private readonly earlierLine: Record<Grain, Statement<unknown[]>>
  private readonly seen = new OrdersSeen()

  constructor(db: SqliteDatabase) {
    this.earlierLine = Object.fromEntries(
      Object.entries(EARLIER_LINE).map(([grain, where]) => [
        grain,
        db
          .prepare(
            `SELECT 1 FROM silver.sales_enriched
      WHERE store_id = @store AND sale_date = @date AND device_id = @device AND order_id = @order AND bronze_id < @id
        AND quantity > 0 AND voided_by IS NULL ${where} LIMIT 1`,
          )
          .pluck(),
      ]),
    ) as Record<Grain, Statement<unknown[]>>
  }

  /**
   * What `rows` (new silver sales, in bronze order) add to the gold rows of their days, one delta a
   * day, for GoldWriter.addDay, in a step from `start` to `end`. Rows of the `recomputed` days
   * (`store\u0000date`: recomputed whole in this step, their new sales with them) are left out.
   * Every earlier sale of the other days must already be in gold.
   */
  add(rows: AppendedRow[], recomputed: ReadonlySet<string>, start: GoldPosition, end: GoldPosition): DayDelta[] {
    this.seen.continueFrom(start)
    // Their silver rows changed: what was seen of their orders may not hold.
    for (const day of recomputed) this.seen.forgetDay(day)
    const days = new Map<string, DayDelta>()
    for (const row of rows) {
      const key = `${row[1]}\u0000${row[2]}`
      if (recomputed.has(key)) continue
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
      this.addRow(day, row, key)
    }
    this.seen.endAt(end)
    return [...days.values()]
  }

  private addRow(day: DayDelta, row: AppendedRow, dayKey: string): void {
    const [id, storeId, saleDate, region, category, hour, , quantity, device, order, product, , voided] = row
    // Only a sale line (not a return, not voided) makes an order: a sale without an order id is its
    // own; so is the first sale line of an order that day.
    const sale = quantity > 0 && voided === 0
    const params = { store: storeId, date: saleDate, device, order, id }
    let seen: OrderGroups | undefined
    let firstOfOrder = sale && order === null
    if (sale && order !== null) {
      const orderKey = `${device}\u0000${order}`
      seen = this.seen.get(dayKey, orderKey)
      if (seen === undefined) {
        firstOfOrder = this.earlierLine.day.get(params) === undefined
        seen = this.seen.add(dayKey, orderKey, firstOfOrder)
      }
    }
    const isNew = (grain: Grain, group: string, keys: Record<string, unknown>): boolean => {
      if (!sale) return false
      if (seen === undefined || firstOfOrder) return true
      if (seen.groups.has(group)) return false
      if (!seen.complete && this.earlierLine[grain].get({ ...params, ...keys }) !== undefined) {
        seen.groups.add(group)
        return false
      }
      return true
    }
    day.day.add(row, firstOfOrder)
    const key = `${region}\u0000${category}`
    let group = day.byRegionCategory.get(key)
    if (group === undefined) {
      group = { region, category, delta: new Delta() }
      day.byRegionCategory.set(key, group)
    }
    // The order's groups as orders-seen.ts keeps them: one letter for the grain, then its key.
    const regionCategoryGroup = `c${key}`
    const regionGroup = `r${region}`
    const hourGroup = `h${hour}`
    const productGroup = `p${product}`
    group.delta.add(row, isNew('regionCategory', regionCategoryGroup, { region, category }))
    deltaOf(day.byRegion, region).add(row, isNew('region', regionGroup, { region }))
    deltaOf(day.byHour, hour).add(row, isNew('hour', hourGroup, { hour }))
    // An order is (device, order id): its first line of the day is its first line of the device's day.
    deltaOf(day.byDevice, device).add(row, firstOfOrder)
    // A voided line was never sold: no product row comes of it (aggregate-day.ts).
    if (voided === 0) deltaOf(day.byProduct, product).add(row, isNew('product', productGroup, { product }))
    // This line is in these groups now, for the order's later lines.
    if (sale && seen !== undefined) seen.groups.add(regionCategoryGroup).add(regionGroup).add(hourGroup).add(productGroup)
  }
}
