/** One silver sale line as gold reads it (a raw row, in this column order); a return has a negative quantity and amount. */
export const DAY_COLUMNS = 'region, category, sale_hour, amount_minor, quantity, device_id, order_id, product_id, sale_ts_ms, voided_by IS NOT NULL'
export type DayRow = [
  region: string,
  category: string,
  hour: number,
  amount: number,
  quantity: number,
  deviceId: string,
  orderId: string | null,
  productId: number,
  saleTsMs: number,
  voided: 0 | 1,
]

/**
 * Sums of a group's lines: net amount and units (returns subtract, voided lines count nowhere but
 * in `voids`), gross and returns beside them. The day's recompute (Measures) and the additions
 * (gold-delta.ts) both sum lines this way; orders are counted by each its own way (sales baskets:
 * an order with a sale line; a basket of returns only is a return transaction, not an order).
 */
export class LineSums {
  /** Net: sales minus returns. */
  amount = 0
  /** Sale lines (quantity > 0). */
  lines = 0
  /** Net units. */
  units = 0
  gross = 0
  /** Returned, as a positive amount. */
  returnsAmount = 0
  /** Return lines (quantity < 0). */
  returns = 0
  returnedUnits = 0
  voids = 0

  /** Adds a line to the sums; true when it is a sale line (not a return, not voided): one that can make an order. */
  protected addLine(amount: number, quantity: number, voided: 0 | 1): boolean {
    if (voided === 1) {
      this.voids++
      return false
    }
    this.amount += amount
    this.units += quantity
    if (quantity < 0) {
      this.returnsAmount -= amount
      this.returns++
      this.returnedUnits -= quantity
      return false
    }
    this.gross += amount
    this.lines++
    return true
  }
}

/** A group's line sums with the distinct orders (sales baskets) that have a sale line in it. */
export class Measures extends LineSums {
  /** Sales without an order id: each its own order, so counted, not remembered. */
  private loneOrders = 0
  private readonly orders = new Set<string>()

  add(amount: number, quantity: number, order: string | null, voided: 0 | 1): void {
    if (!this.addLine(amount, quantity, voided)) return
    if (order === null) this.loneOrders++
    else this.orders.add(order)
  }

  get orderCount(): number {
    return this.loneOrders + this.orders.size
  }

  /** Net amount / orders, as SQLite's REAL division would give it; 0 without an order (returns only). */
  get avgOrderAmount(): number {
    return perOrder(this.amount, this.orderCount)
  }
}

/** value / orders, 0 when there is no order (a group of returns or voids only). */
export function perOrder(value: number, orders: number): number {
  return orders === 0 ? 0 : value / orders
}

/** A product's measures of the day, and its last sale (which dimension version names it). */
export class ProductMeasures extends Measures {
  lastSaleMs = Number.NEGATIVE_INFINITY
}

export interface DayAggregate {
  day: Measures
  byRegionCategory: Map<string, { region: string; category: string; measures: Measures }>
  byRegion: Map<string, Measures>
  byHour: Map<number, Measures>
  byProduct: Map<number, ProductMeasures>
  byDevice: Map<string, Measures>
}

function measuresOf<K, M extends Measures>(map: Map<K, M>, key: K, make: () => M): M {
  let measures = map.get(key)
  if (measures === undefined) {
    measures = make()
    map.set(key, measures)
  }
  return measures
}

const newMeasures = (): Measures => new Measures()
const newProductMeasures = (): ProductMeasures => new ProductMeasures()

/**
 * Aggregates one store-day of silver into every gold grain in a single pass: one read of the rows
 * (through the (store_id, sale_date) index) instead of one GROUP BY per table. The incremental
 * refresh and the full rebuild both run this, so their results are the same to the byte.
 *
 * An order is (device, order_id): order ids are a till's own numbering; a sale without one is its
 * own order. Rows are streamed: memory holds the groups and the order ids, not the day's sales.
 */
export function aggregateDay(rows: Iterable<unknown[]>): DayAggregate {
  const aggregate: DayAggregate = {
    day: new Measures(),
    byRegionCategory: new Map(),
    byRegion: new Map(),
    byHour: new Map(),
    byProduct: new Map(),
    byDevice: new Map(),
  }
  for (const raw of rows) {
    const [region, category, hour, amount, quantity, deviceId, orderId, productId, saleTsMs, voided] = raw as DayRow
    const order = orderId === null ? null : `${deviceId}/${orderId}`
    aggregate.day.add(amount, quantity, order, voided)
    const key = `${region}\u0000${category}`
    let group = aggregate.byRegionCategory.get(key)
    if (group === undefined) {
      group = { region, category, measures: new Measures() }
      aggregate.byRegionCategory.set(key, group)
    }
    group.measures.add(amount, quantity, order, voided)
    measuresOf(aggregate.byRegion, region, newMeasures).add(amount, quantity, order, voided)
    measuresOf(aggregate.byHour, hour, newMeasures).add(amount, quantity, order, voided)
    measuresOf(aggregate.byDevice, deviceId, newMeasures).add(amount, quantity, order, voided)
    // A voided line was never sold: no product row comes of it.
    if (voided === 1) continue
    const product = measuresOf(aggregate.byProduct, productId, newProductMeasures)
    product.add(amount, quantity, order, voided)
    if (saleTsMs > product.lastSaleMs) product.lastSaleMs = saleTsMs
  }
  return aggregate
}
