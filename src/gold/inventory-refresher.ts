import type { SqliteDatabase } from '../db/open.js'
import { addDays } from '../util/calendar-date.js'
import { dateIn, startOfDayIn } from '../util/zoned-time.js'
import { productAsOf } from './product-as-of.js'
import { RecentDaySales } from './recent-day-sales.js'
import { byStockTime, NO_STOCK, stockDay, type StockEvent, type StockState } from './stock-day.js'

/** All products of a store (a day change: the day's sales moved or were voided, any product may have changed). */
const ALL = '*'

interface FactRow {
  product_id: number
  closing_units: number
  uncounted: number
  known: number
  last_count_at: string | null
}

/** The state a product's fact row leaves for the next day. */
function stateOf(row: FactRow): StockState {
  return {
    onHand: row.closing_units,
    known: row.known === 1,
    everCounted: row.uncounted === 0,
    lastCountMs: row.last_count_at === null ? null : Date.parse(row.last_count_at),
  }
}

/** What a step marked: per store, each product (or ALL) from the earliest day it touched. */
class Marks {
  readonly byStore = new Map<string, Map<number | typeof ALL, string>>()

  add(storeId: string, product: number | typeof ALL, date: string): void {
    let products = this.byStore.get(storeId)
    if (products === undefined) this.byStore.set(storeId, (products = new Map()))
    const known = products.get(product)
    if (known === undefined || date < known) products.set(product, date)
  }
}

const SOLD_DAYS = 7

/**
 * Up to this many marked products, a step reads each one's events and rows through the product
 * indexes: its cost follows the products it touches, not the store's catalogue. More (or every
 * product), and it reads the store's whole days, which is then cheaper.
 */
const BY_PRODUCT_UP_TO = 500

type Movement = { product_id: number; type: 'count' | 'receipt' | 'adjustment'; quantity: number; event_ts_ms: number }
type SoldDay = { product_id: number; stock_date: string; sold_units: number }

/** Days the stock lasts at the 7-day average: none when nothing sold or the stock is not known; 0 when out. */
function coverOf(known: boolean, closing: number, average: number): number | null {
  return known && average > 0 ? Math.max(closing, 0) / average : null
}

/**
 * Silver -> gold.fact_inventory (written only here; docs/inventory.md): a row per store-day and
 * product that has stock or movement that day. Stock is walked in event time (stock-day.ts) from
 * the day before's closing, so a late event changes its product's days from its own on: what a step
 * marked (a product from a day, or every product of a store from a day) is computed again from
 * there to the store's today, and gold equals a rebuild. Only stores with inventory events are
 * kept (a store whose devices send none has no stock figures, and costs nothing here).
 */
export class InventoryRefresher {
  private readonly newMovements
  private readonly storesWithMovements
  private readonly zoneOf
  private readonly movementsOfDay
  private readonly movementsOfProductDay
  private readonly recentSales
  private readonly rowsOfDayBefore
  private readonly unknownRowsBefore
  private readonly rowOfProductBefore
  private readonly soldBefore
  private readonly soldOfProductBefore
  private readonly lastDay
  private readonly deleteDay
  private readonly insertRow
  private readonly prunedThrough
  private readonly firstMovementDay
  private readonly firstRowDay
  /** The day each store was last rolled to (this process): a store without a known product has no row of today to say so. */
  private readonly rolled = new Map<string, string>()
  private readonly deleteProductDay
  private readonly productAsOf
  private stores: Set<string> | undefined
  /** Each store's first and last day with rows (rowDays). */
  private readonly dayRanges = new Map<string, { first: string | null; last: string | null }>()
  /** The silver.day_changes seq this refresher's last step left gold at (undefined: none yet). */
  private changesSeen: number | undefined

  /** `logRefresh`: notes a store-day whose rows were written again (gold's refresh log: snapshots ship the day again). */
  constructor(
    db: SqliteDatabase,
    private readonly now: () => number,
    private readonly logRefresh: (storeId: string, date: string) => void,
  ) {
    this.newMovements = db.prepare<[number, number], { bronze_id: number; store_id: string; product_id: number; stock_date: string }>(
      'SELECT bronze_id, store_id, product_id, stock_date FROM silver.inventory_movements WHERE bronze_id > ? ORDER BY bronze_id LIMIT ?',
    )
    // A store keeps its stock once retention pruned its movements: its rows are where it stands.
    this.storesWithMovements = db
      .prepare('SELECT DISTINCT store_id FROM silver.inventory_movements UNION SELECT DISTINCT store_id FROM gold.fact_inventory')
      .pluck()
    // +store_id: down the rowid from the newest (the day index would sort all the store's movements).
    this.zoneOf = db.prepare('SELECT timezone FROM silver.inventory_movements WHERE +store_id = ? ORDER BY bronze_id DESC LIMIT 1').pluck()
    const movementColumns = 'product_id, type, quantity, event_ts_ms'
    this.movementsOfDay = db.prepare<[string, string, number], Movement>(
      `SELECT ${movementColumns} FROM silver.inventory_movements WHERE store_id = ? AND stock_date = ? AND bronze_id <= ?`,
    )
    this.movementsOfProductDay = db.prepare<[string, number, string, number], Movement>(
      `SELECT ${movementColumns} FROM silver.inventory_movements WHERE store_id = ? AND product_id = ? AND stock_date = ? AND bronze_id <= ?`,
    )
    this.recentSales = new RecentDaySales(db)
    const rowColumns = 'product_id, closing_units, uncounted, known, last_count_at'
    // Where each product's stock stood before a day: a product whose stock is known has a row every
    // day, so the day before holds all of those; one not known has rows only on the days it moved
    // (found through the partial index of such rows).
    this.rowsOfDayBefore = db.prepare<[string, string], FactRow>(`SELECT ${rowColumns} FROM gold.fact_inventory WHERE stock_date = ? AND store_id = ?`)
    this.unknownRowsBefore = db.prepare<[{ store: string; before: string }], FactRow>(`SELECT ${rowColumns} FROM gold.fact_inventory f
      WHERE store_id = @store AND known = 0 AND stock_date = (SELECT max(stock_date) FROM gold.fact_inventory l
        WHERE l.store_id = f.store_id AND l.product_id = f.product_id AND l.known = 0 AND l.stock_date < @before)`)
    this.rowOfProductBefore = db.prepare<[string, number, string], FactRow>(
      `SELECT ${rowColumns} FROM gold.fact_inventory WHERE store_id = ? AND product_id = ? AND stock_date < ? ORDER BY stock_date DESC LIMIT 1`,
    )
    this.soldBefore = db.prepare<[string, string, string], SoldDay>(
      'SELECT product_id, stock_date, sold_units FROM gold.fact_inventory WHERE store_id = ? AND stock_date >= ? AND stock_date < ?',
    )
    this.soldOfProductBefore = db.prepare<[string, number, string, string], SoldDay>(
      'SELECT product_id, stock_date, sold_units FROM gold.fact_inventory WHERE store_id = ? AND product_id = ? AND stock_date >= ? AND stock_date < ?',
    )
    // Along the primary key (stock_date first) from either end (+store_id: not by the product index, which
    // would sort all the store's rows): max()/min() with a store would read every row.
    this.lastDay = db.prepare('SELECT stock_date FROM gold.fact_inventory WHERE +store_id = ? ORDER BY stock_date DESC LIMIT 1').pluck()
    this.deleteDay = db.prepare('DELETE FROM gold.fact_inventory WHERE store_id = ? AND stock_date = ?')
    this.deleteProductDay = db.prepare('DELETE FROM gold.fact_inventory WHERE store_id = ? AND stock_date = ? AND product_id = ?')
    this.insertRow = db.prepare(`INSERT INTO gold.fact_inventory (stock_date, store_id, product_id, product_name, category, opening_units,
      received_units, sold_units, adjusted_units, shrink_units, closing_units, counted, uncounted, known, last_count_at,
      avg_daily_sold_7d, days_of_cover, stockout_minutes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.firstMovementDay = db.prepare('SELECT min(stock_date) FROM silver.inventory_movements WHERE store_id = ?').pluck()
    this.firstRowDay = db.prepare('SELECT stock_date FROM gold.fact_inventory WHERE +store_id = ? ORDER BY stock_date LIMIT 1').pluck()
    this.prunedThrough = db.prepare('SELECT max(sale_date) FROM silver.pruned_days WHERE store_id = ?').pluck()
    this.productAsOf = productAsOf(db)
  }

  /**
   * One step, inside gold's transaction: the movements after `movementsThrough` (up to `limit`), the
   * new sales gold added (`sales`: store, day, product) and the days silver marked changed, each
   * marking what it touches; then every mark is computed, with sales up to `salesThrough`. Returns
   * the last movement taken.
   */
  refresh(
    movementsThrough: number,
    limit: number,
    sales: Iterable<{ storeId: string; saleDate: string; productId: number }>,
    changedDays: Iterable<{ store_id: string; sale_date: string }>,
    salesThrough: number,
    changes: { from: number; to: number },
  ): { movementsThrough: number; pending: boolean } {
    // silver's day marks taken since this refresher's last step by another (a `gold rebuild` next to
    // the daemon, or this step's rollback): the sales it kept of those days may be stale.
    if (this.changesSeen !== undefined && changes.from !== this.changesSeen) this.recentSales.keepOnly(() => false)
    this.changesSeen = changes.to
    const marks = new Marks()
    const movements = this.newMovements.all(movementsThrough, limit)
    const stores = this.knownStores()
    for (const movement of movements) {
      stores.add(movement.store_id)
      marks.add(movement.store_id, movement.product_id, movement.stock_date)
      // Before the store's stock began (or its first movement ever): a rebuild walks every product from there.
      const first = this.rowDays(movement.store_id).first
      if (first === null || movement.stock_date < first) marks.add(movement.store_id, ALL, movement.stock_date)
    }
    const through = movements.at(-1)?.bronze_id ?? movementsThrough
    if (stores.size === 0) return { movementsThrough: through, pending: false }
    for (const sale of sales) if (stores.has(sale.storeId)) marks.add(sale.storeId, sale.productId, sale.saleDate)
    for (const day of changedDays) {
      this.recentSales.forget(day.store_id, day.sale_date)
      if (stores.has(day.store_id)) marks.add(day.store_id, ALL, day.sale_date)
    }
    // A new day: the last one's stockout runs to its end, and every product gets the new day's row.
    for (const storeId of stores) {
      const last = this.rowDays(storeId).last
      const today = this.today(storeId)
      if (last !== null && last < today && this.rolled.get(storeId) !== today) {
        marks.add(storeId, ALL, last)
        this.rolled.set(storeId, today)
      }
    }
    for (const [storeId, products] of marks.byStore) this.compute(storeId, products, through, salesThrough)
    this.recentSales.keepOnly((storeId, date) => date >= addDays(this.today(storeId), -1))
    return { movementsThrough: through, pending: movements.length === limit }
  }

  /**
   * Drops what this refresher keeps between steps (the recent days' sales, the stores' day ranges,
   * the days rolled): a step that did not commit may have changed it, and a rebuild starts over.
   */
  forgetKept(): void {
    this.recentSales.keepOnly(() => false)
    this.dayRanges.clear()
    this.rolled.clear()
    this.changesSeen = undefined
  }

  /** Every store's rows computed again from its first movement (a `gold rebuild`). */
  rebuild(movementsThrough: number, salesThrough: number): void {
    this.forgetKept()
    for (const storeId of this.knownStores()) {
      this.compute(storeId, new Map([[ALL, '0000-00-00']]), movementsThrough, salesThrough)
    }
  }

  /** Each product's last row before `from` (where its stock stood): of the `products` given, else of the whole store. */
  private rowsBefore(storeId: string, from: string, products: readonly number[] | undefined): FactRow[] {
    if (products) return products.flatMap((productId) => this.rowOfProductBefore.get(storeId, productId, from) ?? [])
    const rows = new Map<number, FactRow>()
    for (const row of this.unknownRowsBefore.all({ store: storeId, before: from })) rows.set(row.product_id, row)
    // The day before is later than any older row of a product: it wins.
    for (const row of this.rowsOfDayBefore.all(addDays(from, -1), storeId)) rows.set(row.product_id, row)
    return [...rows.values()]
  }

  /**
   * The store's first and last day with rows: read once (down the primary key from either end), then
   * kept as compute writes. Retention only prunes old days, whose movements compute skips anyway.
   */
  private rowDays(storeId: string): { first: string | null; last: string | null } {
    let days = this.dayRanges.get(storeId)
    if (days === undefined) {
      days = {
        first: (this.firstRowDay.get(storeId) as string | undefined) ?? null,
        last: (this.lastDay.get(storeId) as string | undefined) ?? null,
      }
      this.dayRanges.set(storeId, days)
    }
    return days
  }

  /** compute wrote rows of `date`: the store's day range takes it in. */
  private wroteDay(storeId: string, date: string): void {
    const days = this.rowDays(storeId)
    if (days.first === null || date < days.first) days.first = date
    if (days.last === null || date > days.last) days.last = date
  }

  private knownStores(): Set<string> {
    this.stores ??= new Set(this.storesWithMovements.all() as string[])
    return this.stores
  }

  private zone(storeId: string): string {
    return (this.zoneOf.get(storeId) as string | undefined) ?? 'UTC'
  }

  private today(storeId: string): string {
    return dateIn(this.zone(storeId), this.now())
  }

  /**
   * Computes the store's marked products (ALL: every one) from the earliest marked day through the
   * store's today. A store's stock starts on the day of its first inventory event: sales before it
   * are not walked (docs/inventory.md).
   */
  private compute(storeId: string, marked: Map<number | typeof ALL, string>, movementsThrough: number, salesThrough: number): void {
    const zone = this.zone(storeId)
    const today = dateIn(zone, this.now())
    const all = marked.has(ALL)
    const wanted = (productId: number): boolean => all || marked.has(productId)
    let from = [...marked.values()].reduce((a, b) => (a < b ? a : b))
    const first = [this.firstMovementDay.get(storeId) as string | null, this.rowDays(storeId).first].filter((day): day is string => day !== null).sort()[0]
    if (first === undefined) return
    if (from < first) from = first
    // Days retention pruned keep their rows: silver no longer holds their sales.
    const pruned = this.prunedThrough.get(storeId) as string | null
    if (pruned !== null && from <= pruned) from = addDays(pruned, 1)
    const byProduct = all || marked.size > BY_PRODUCT_UP_TO ? undefined : ([...marked.keys()] as number[])
    const states = new Map<number, StockState>()
    for (const row of this.rowsBefore(storeId, from, byProduct)) if (wanted(row.product_id)) states.set(row.product_id, stateOf(row))
    const sold = new Map<number, Map<string, number>>()
    const soldOf = (productId: number): Map<string, number> => {
      let days = sold.get(productId)
      if (days === undefined) sold.set(productId, (days = new Map()))
      return days
    }
    const weekBefore = addDays(from, -(SOLD_DAYS - 1))
    const soldRows = byProduct
      ? byProduct.flatMap((productId) => this.soldOfProductBefore.all(storeId, productId, weekBefore, from))
      : this.soldBefore.all(storeId, weekBefore, from).filter((row) => wanted(row.product_id))
    for (const row of soldRows) soldOf(row.product_id).set(row.stock_date, row.sold_units)
    for (let date = from; date <= today; date = addDays(date, 1)) {
      const events = new Map<number, StockEvent[]>()
      const eventsOf = (productId: number): StockEvent[] => {
        let list = events.get(productId)
        if (list === undefined) events.set(productId, (list = []))
        return list
      }
      const movements = byProduct
        ? byProduct.flatMap((productId) => this.movementsOfProductDay.all(storeId, productId, date, movementsThrough))
        : this.movementsOfDay.all(storeId, date, movementsThrough)
      for (const m of movements) {
        if (wanted(m.product_id)) eventsOf(m.product_id).push({ tsMs: m.event_ts_ms, kind: m.type, units: m.quantity })
      }
      // Today's and yesterday's sales are kept by product (recent-day-sales.ts); an older day is read whole.
      const recent = date >= addDays(today, -1) ? this.recentSales.day(storeId, date, salesThrough) : undefined
      const sales = recent
        ? byProduct
          ? byProduct.flatMap((productId) => recent.get(productId) ?? [])
          : [...recent.values()].flat()
        : this.recentSales.read(storeId, date, salesThrough)
      for (const s of sales) {
        if (wanted(s.product_id)) eventsOf(s.product_id).push({ tsMs: s.sale_ts_ms, kind: 'sale', units: s.quantity })
      }
      const startMs = startOfDayIn(zone, date)
      const dayEndMs = startOfDayIn(zone, addDays(date, 1))
      const week = Array.from({ length: SOLD_DAYS }, (_, back) => addDays(date, -back))
      if (all) this.deleteDay.run(storeId, date)
      for (const productId of [...new Set([...states.keys(), ...events.keys()])].sort((a, b) => a - b)) {
        if (!all) this.deleteProductDay.run(storeId, date, productId)
        const list = (events.get(productId) ?? []).sort(byStockTime)
        const start = states.get(productId) ?? NO_STOCK
        // A product's stock is a fact every day once known; before that, only on a day it moves.
        if (list.length === 0 && !start.known) continue
        const endMs = date < today ? dayEndMs : Math.max(startMs, list.at(-1)?.tsMs ?? startMs)
        const day = stockDay(start, list, startMs, endMs)
        states.set(productId, day.end)
        const soldDays = soldOf(productId)
        soldDays.set(date, day.sold)
        const average = week.reduce((sum, d) => sum + (soldDays.get(d) ?? 0), 0) / SOLD_DAYS
        const named = this.productAsOf(productId, dayEndMs - 1)
        this.insertRow.run(
          date,
          storeId,
          productId,
          named.name,
          named.category,
          day.opening,
          day.received,
          day.sold,
          day.adjusted,
          day.shrink,
          day.closing,
          day.counted ? 1 : 0,
          day.end.everCounted ? 0 : 1,
          day.end.known ? 1 : 0,
          day.end.lastCountMs === null ? null : new Date(day.end.lastCountMs).toISOString(),
          average,
          coverOf(day.end.known, day.closing, average),
          Math.floor(day.stockoutMs / 60_000),
        )
        this.wroteDay(storeId, date)
      }
      this.logRefresh(storeId, date)
    }
  }
}
