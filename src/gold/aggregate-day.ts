/** One silver sale as gold reads it (a raw row, in this column order). */
export const DAY_COLUMNS = 'region, category, sale_hour, amount_minor, quantity, device_id, order_id, product_id, sale_ts_ms'
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
]

/** Sums of a group, with the distinct orders that have a line in it. */
export class Measures {
  amount = 0
  lines = 0
  units = 0
  /** Sales without an order id: each its own order, so counted, not remembered. */
  private loneOrders = 0
  private readonly orders = new Set<string>()

  add(amount: number, quantity: number, order: string | null): void {
    this.amount += amount
    this.lines++
    this.units += quantity
    if (order === null) this.loneOrders++
    else this.orders.add(order)
  }

  get orderCount(): number {
    return this.loneOrders + this.orders.size
  }

  /** amount / orders, as SQLite's REAL division would give it. */
  get avgOrderAmount(): number {
    return this.amount / this.orderCount
  }
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
    const [region, category, hour, amount, quantity, deviceId, orderId, productId, saleTsMs] = raw as DayRow
    const order = orderId === null ? null : `${deviceId}/${orderId}`
    aggregate.day.add(amount, quantity, order)
    const key = `${region}\u0000${category}`
    let group = aggregate.byRegionCategory.get(key)
    if (group === undefined) {
      group = { region, category, measures: new Measures() }
      aggregate.byRegionCategory.set(key, group)
    }
    group.measures.add(amount, quantity, order)
    measuresOf(aggregate.byRegion, region, newMeasures).add(amount, quantity, order)
    measuresOf(aggregate.byHour, hour, newMeasures).add(amount, quantity, order)
    const product = measuresOf(aggregate.byProduct, productId, newProductMeasures)
    product.add(amount, quantity, order)
    if (saleTsMs > product.lastSaleMs) product.lastSaleMs = saleTsMs
    measuresOf(aggregate.byDevice, deviceId, newMeasures).add(amount, quantity, order)
  }
  return aggregate
}
