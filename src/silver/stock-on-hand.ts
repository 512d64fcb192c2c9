import type { SqliteDatabase } from '../db/open.js'
import { addDays } from '../util/calendar-date.js'

/** One row of silver.inventory_on_hand: a product's stock after every event silver holds, in event time. */
interface OnHandRow {
  store_id: string
  product_id: number
  on_hand_units: number
  known: number
  counted: number
  last_count_ms: number | null
  last_count_id: number | null
  last_event_ms: number
}

/** A row as kept in memory: whether silver.inventory_on_hand holds it yet. */
type KeptRow = OnHandRow & { stored: boolean }

/** What the writers on one connection keep between transactions (shared: another writer on it changes the same rows). */
interface Kept {
  /** Each store's first stock day (silver.inventory_stores); undefined: to be read. */
  stores: Map<string, string> | undefined
  /** Rows read or changed; the `dirty` ones are written by `flush()`. */
  rows: Map<string, Map<number, KeptRow>>
  /** How many rows `rows` holds. */
  size: number
  dirty: Set<KeptRow>
  /** silver.inventory_on_hand_state's generation the rows kept are of: each `flush()` counts one up. */
  generation: number
  /** Each store's newest day retention pruned ('' for none), read once a transaction. */
  pruned: Map<string, string>
  /** Between `begin()` and `flush()`: a `begin()` that finds it set follows a transaction that did not commit. */
  open: boolean
  /** Counts of this transaction that came after later events: those events are added up at `settle()`. */
  late: LateCount[]
}

/** A count set as the level when it came, the events after it in silver then still to add. */
interface LateCount {
  row: KeptRow
  count: StockMovement
}

const KEPT = new WeakMap<SqliteDatabase, Kept>()

/** Rows kept between transactions, at most: a gateway's stores times their products, usually far fewer. */
const MAX_KEPT_ROWS = 200_000

/** A sale line as it counts against stock (silver.sales_enriched's columns). */
export interface StockSale {
  storeId: string
  productId: number
  quantity: number
  tsMs: number
  saleDate: string
  voided: boolean
}

/** An inventory event as silver wrote it (silver.inventory_movements). */
export interface StockMovement {
  bronzeId: number
  storeId: string
  productId: number
  type: 'count' | 'receipt' | 'adjustment'
  quantity: number
  tsMs: number
  stockDate: string
}

/** After every store-local date. */
const LAST_DAY = '9999-12-31'

const COLUMNS = 'store_id, product_id, on_hand_units, known, counted, last_count_ms, last_count_id, last_event_ms'
const VALUES = (row: OnHandRow): unknown[] => [
  row.on_hand_units,
  row.known,
  row.counted,
  row.last_count_ms,
  row.last_count_id,
  row.last_event_ms,
  row.store_id,
  row.product_id,
]

/**
 * silver.inventory_on_hand and silver.inventory_stores, written only here (docs/inventory.md): each
 * product's stock now, kept as silver writes its rows, by the rule gold walks day by day (its
 * latest count, plus receipts and adjustments after it, minus the units of the sales after it that
 * are not voided; a store's stock begins on its first inventory day). Each row holds the sum of
 * exactly the events after its latest count, so a change costs O(1): a sale, return or void after
 * the count adds or takes its units, one before it changes nothing. A count newer than the latest
 * one sets the level; when events after it are known already (it came late), they are added up
 * from silver at `settle()`, once per transaction for all its late counts. A store's stock
 * beginning on an earlier day (a late first event) adds the sales of the days it gained. Nothing of
 * a day retention pruned, or before it, changes the stock (gold's rows keep those days). Rows are
 * kept in memory between transactions (each sale would otherwise read its row first), the changed
 * ones written by `flush()` before the transaction commits; `begin()` drops them after a
 * transaction that did not commit, or when another writer flushed since (silver.inventory_on_hand_state's
 * generation: `silver rebuild`, a `dims import` on another connection).
 */
export class StockOnHand {
  private readonly selectRow
  private readonly insertRow
  private readonly updateRow
  private readonly selectState
  private readonly nextGeneration
  private readonly prunedThrough
  private readonly selectStores
  private readonly upsertStore
  private readonly salesOfDays
  private readonly salesAfter
  private readonly movementsAfter
  private readonly firstMovementDay
  private readonly movementsOfStore
  private readonly storesWithMovements
  private readonly deleteStore
  private readonly kept: Kept

  constructor(db: SqliteDatabase) {
    let kept = KEPT.get(db)
    if (kept === undefined)
      KEPT.set(db, (kept = { stores: undefined, rows: new Map(), size: 0, dirty: new Set(), generation: -1, pruned: new Map(), open: false, late: [] }))
    this.kept = kept
    this.selectRow = db.prepare<[string, number], OnHandRow>(`SELECT ${COLUMNS} FROM silver.inventory_on_hand WHERE store_id = ? AND product_id = ?`)
    this.insertRow = db.prepare(`INSERT INTO silver.inventory_on_hand (on_hand_units, known, counted, last_count_ms, last_count_id,
      last_event_ms, store_id, product_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    this.updateRow = db.prepare(`UPDATE silver.inventory_on_hand SET on_hand_units = ?, known = ?, counted = ?, last_count_ms = ?,
      last_count_id = ?, last_event_ms = ? WHERE store_id = ? AND product_id = ?`)
    this.selectState = db.prepare<[], { generation: number; filled: number }>('SELECT generation, filled FROM silver.inventory_on_hand_state')
    this.nextGeneration = db.prepare('UPDATE silver.inventory_on_hand_state SET generation = generation + 1, filled = 1 RETURNING generation').pluck()
    this.prunedThrough = db.prepare<[string], string | null>('SELECT max(sale_date) FROM silver.pruned_days WHERE store_id = ?').pluck()
    this.selectStores = db.prepare<[], { store_id: string; first_day: string }>('SELECT store_id, first_day FROM silver.inventory_stores')
    this.upsertStore = db.prepare('INSERT OR REPLACE INTO silver.inventory_stores (store_id, first_day) VALUES (?, ?)')
    this.deleteStore = db.prepare('DELETE FROM silver.inventory_on_hand WHERE store_id = ?')
    const saleColumns = 'product_id, quantity, sale_ts_ms'
    this.salesOfDays = db.prepare<[string, string, string], { product_id: number; quantity: number; sale_ts_ms: number }>(
      `SELECT ${saleColumns} FROM silver.sales_enriched WHERE store_id = ? AND sale_date >= ? AND sale_date < ? AND voided_by IS NULL`,
    )
    // Through the time index from the earliest late count's instant (+store_id: not the day index, which would read every day).
    this.salesAfter = db.prepare<[number, string, string], { product_id: number; quantity: number; sale_ts_ms: number; sale_date: string }>(
      `SELECT ${saleColumns}, sale_date FROM silver.sales_enriched WHERE sale_ts_ms > ? AND +store_id = ? AND voided_by IS NULL AND sale_date >= ?`,
    )
    this.movementsAfter = db.prepare<[string, string], { product_id: number; units: number; event_ts_ms: number; bronze_id: number }>(
      `SELECT product_id, units, event_ts_ms, bronze_id FROM silver.inventory_movements WHERE store_id = ? AND stock_date >= ? AND type <> 'count'`,
    )
    this.firstMovementDay = db.prepare<[string], string | null>('SELECT min(stock_date) FROM silver.inventory_movements WHERE store_id = ?').pluck()
    this.movementsOfStore = db.prepare<
      [string],
      { bronze_id: number; product_id: number; type: StockMovement['type']; quantity: number; event_ts_ms: number; stock_date: string }
    >(
      // In event time, a count after everything else of its instant: each is the newest, none needs a look back.
      "SELECT bronze_id, product_id, type, quantity, event_ts_ms, stock_date FROM silver.inventory_movements WHERE store_id = ? ORDER BY event_ts_ms, type = 'count', bronze_id",
    )
    this.storesWithMovements = db.prepare<[], string>('SELECT DISTINCT store_id FROM silver.inventory_movements').pluck()
  }

  /** At the start of each transaction that changes silver (inside it). */
  begin(): void {
    const kept = this.kept
    let state = this.selectState.get()!
    if (state.filled === 0) {
      this.rebuild()
      state = this.selectState.get()!
    }
    // Kept rows hold only if the last flush committed and no one flushed since (another connection: `silver rebuild`, a `dims import`).
    if (kept.open || state.generation !== kept.generation || kept.size > MAX_KEPT_ROWS) this.forget()
    kept.generation = state.generation
    kept.open = true
    kept.pruned.clear()
    kept.stores ??= new Map(this.selectStores.all().map((store) => [store.store_id, store.first_day]))
  }

  /** Writes the rows this transaction changed (before it commits). */
  flush(): void {
    this.settle()
    for (const row of this.kept.dirty) {
      ;(row.stored ? this.updateRow : this.insertRow).run(...VALUES(row))
      row.stored = true
    }
    this.kept.dirty.clear()
    this.kept.generation = this.nextGeneration.get() as number
    this.kept.open = false
  }

  private forget(): void {
    this.kept.late = []
    this.kept.rows.clear()
    this.kept.size = 0
    this.kept.dirty.clear()
    this.kept.stores = undefined
  }

  /** The store's newest day retention pruned ('' for none): nothing of it or before it changes the stock. */
  private pruned(storeId: string): string {
    let day = this.kept.pruned.get(storeId)
    if (day === undefined) this.kept.pruned.set(storeId, (day = this.prunedThrough.get(storeId) ?? ''))
    return day
  }

  /** Each store's first stock day, as read at `begin()` (or by `rebuild()`). */
  private get stores(): Map<string, string> {
    return this.kept.stores!
  }

  /** Whether the store's stock is kept (it had an inventory event): a sales-only store's lines cost nothing here. */
  keepsStockOf(storeId: string): boolean {
    return this.stores.has(storeId)
  }

  /** A sale line silver wrote (`sign` 1) or took back as it was (`sign` -1: rewritten, dropped, voided). */
  sale(sale: StockSale, sign: 1 | -1): void {
    // settle() reads silver's sales as they are then: one written after a late count would count twice.
    if (this.kept.late.length > 0) throw new Error('internal: a sale line after a late count in one transaction (movements come last)')
    const firstDay = this.stores.get(sale.storeId)
    if (firstDay === undefined || sale.voided || sale.saleDate < firstDay || sale.saleDate <= this.pruned(sale.storeId)) return
    this.applySale(this.row(sale.storeId, sale.productId), sale.quantity * sign, sale.tsMs, sign === 1)
  }

  /** An inventory event silver wrote for the first time. */
  movement(event: StockMovement): void {
    // A day retention pruned keeps gold's figures; the days after it start from its closing (as gold walks).
    if (event.stockDate <= this.pruned(event.storeId)) return
    const firstDay = this.stores.get(event.storeId)
    if (firstDay === undefined || event.stockDate < firstDay) this.beginEarlier(event.storeId, event.stockDate)
    const row = this.row(event.storeId, event.productId)
    const newest = row.last_count_ms === null || event.tsMs > row.last_count_ms
    if (event.type === 'count') {
      if (!newest && !(event.tsMs === row.last_count_ms && event.bronzeId > row.last_count_id!)) return
      // Events after it known already: it came late, and they count from it (added up at settle()).
      if (event.tsMs < row.last_event_ms) this.kept.late.push({ row, count: event })
      this.change(row, {
        on_hand_units: event.quantity,
        known: 1,
        counted: 1,
        last_count_ms: event.tsMs,
        last_count_id: event.bronzeId,
        last_event_ms: Math.max(row.last_event_ms, event.tsMs),
      })
      return
    }
    const known = event.type === 'receipt' ? 1 : row.known
    // Of the instant of the latest count or before: counted already.
    const units = newest ? event.quantity : 0
    this.change(row, { on_hand_units: row.on_hand_units + units, known, last_event_ms: Math.max(row.last_event_ms, event.tsMs) })
  }

  /**
   * A store's movements were written again (its time zone changed): one now on an earlier day than
   * its stock began moves the beginning there. One on a later day does not: a stock, once begun on
   * a day, stays begun from it (as gold keeps that day's rows).
   */
  storeDaysChanged(storeId: string): void {
    const first = this.firstMovementDay.get(storeId)
    // A late movement of a pruned day stays in silver, counted nowhere: not a beginning either.
    if (first !== null && first !== undefined && first > this.pruned(storeId)) this.beginEarlier(storeId, first)
  }

  /**
   * Computes every store's rows from silver's rows alone (a data directory from before this table,
   * or a test's reference): its first day, its movements in event time, then its sales since.
   */
  rebuild(): void {
    this.forget()
    this.kept.open = true
    const stores = (this.kept.stores = new Map(this.selectStores.all().map((store) => [store.store_id, store.first_day])))
    for (const storeId of this.storesWithMovements.all()) {
      this.deleteStore.run(storeId)
      // Begun on a day, a store's stock stays begun from it (its movements may have moved to later days since).
      const first = [stores.get(storeId), this.firstMovementDay.get(storeId)!].filter((day) => day !== undefined).sort()[0]!
      stores.set(storeId, first)
      this.upsertStore.run(storeId, first)
      for (const m of this.movementsOfStore.iterate(storeId)) {
        this.movement({
          bronzeId: m.bronze_id,
          storeId,
          productId: m.product_id,
          type: m.type,
          quantity: m.quantity,
          tsMs: m.event_ts_ms,
          stockDate: m.stock_date,
        })
      }
      // After the newest day retention pruned: those days' stock is in gold's rows, not here (docs/inventory.md).
      const pruned = this.pruned(storeId)
      const from = pruned !== '' && pruned >= first ? addDays(pruned, 1) : first
      for (const sale of this.salesOfDays.iterate(storeId, from, LAST_DAY)) {
        this.applySale(this.row(storeId, sale.product_id), sale.quantity, sale.sale_ts_ms, true)
      }
    }
    this.flush()
  }

  /** The store's stock begins earlier (or at all): the sales of the days it gained count. */
  private beginEarlier(storeId: string, day: string): void {
    const old = this.stores.get(storeId)
    if (old !== undefined && old <= day) return
    // The days gained add their sales to the rows: the late counts' sums are taken before.
    this.settle()
    this.stores.set(storeId, day)
    this.upsertStore.run(storeId, day)
    for (const sale of this.salesOfDays.iterate(storeId, day, old ?? LAST_DAY)) {
      this.applySale(this.row(storeId, sale.product_id), sale.quantity, sale.sale_ts_ms, true)
    }
  }

  /** Units sold after a count (its instant excluded: a count is the level after everything of its instant). */
  private applySale(row: KeptRow, units: number, tsMs: number, added: boolean): void {
    if (row.last_count_ms !== null && tsMs <= row.last_count_ms) return
    // Each sale of a store with stock comes here: fields set in place.
    row.on_hand_units -= units
    if (added && tsMs > row.last_event_ms) row.last_event_ms = tsMs
    this.kept.dirty.add(row)
  }

  /**
   * Adds to each late count of the transaction the events after it that silver held before it
   * came: the receipts and adjustments received before it (those received after were added as they
   * came), less the sales (all written before the transaction's movements). One pass over each
   * store's sales from its earliest late count, through the time index: a backlog of counts costs
   * the sales after them once per batch, not once per count.
   */
  private settle(): void {
    const late = this.kept.late.filter(({ row, count }) => row.last_count_id === count.bronzeId)
    this.kept.late = []
    const byStore = new Map<string, LateCount[]>()
    for (const entry of late) {
      const list = byStore.get(entry.count.storeId)
      if (list === undefined) byStore.set(entry.count.storeId, [entry])
      else list.push(entry)
    }
    for (const [storeId, counts] of byStore) {
      const byProduct = new Map(counts.map((entry) => [entry.count.productId, entry]))
      const from = Math.min(...counts.map((entry) => entry.count.tsMs))
      const pruned = this.pruned(storeId)
      for (const sale of this.salesAfter.iterate(from, storeId, this.stores.get(storeId)!)) {
        const entry = byProduct.get(sale.product_id)
        if (entry !== undefined && sale.sale_ts_ms > entry.count.tsMs && sale.sale_date > pruned) entry.row.on_hand_units -= sale.quantity
      }
      // By instant, as the rows were kept; from two days before the earliest count's day (a store's
      // time zone may have moved its days), and after the newest pruned one.
      const twoDaysBefore = addDays(counts.map((entry) => entry.count.stockDate).sort()[0]!, -2)
      const fromDay = pruned !== '' && addDays(pruned, 1) > twoDaysBefore ? addDays(pruned, 1) : twoDaysBefore
      for (const moved of this.movementsAfter.iterate(storeId, fromDay)) {
        const entry = byProduct.get(moved.product_id)
        if (entry !== undefined && moved.event_ts_ms > entry.count.tsMs && moved.bronze_id < entry.count.bronzeId) entry.row.on_hand_units += moved.units
      }
    }
  }

  private row(storeId: string, productId: number): KeptRow {
    let products = this.kept.rows.get(storeId)
    if (products === undefined) this.kept.rows.set(storeId, (products = new Map()))
    let row = products.get(productId)
    if (row === undefined) {
      const stored = this.selectRow.get(storeId, productId)
      row = stored
        ? { ...stored, stored: true }
        : {
            stored: false,
            store_id: storeId,
            product_id: productId,
            on_hand_units: 0,
            known: 0,
            counted: 0,
            last_count_ms: null,
            last_count_id: null,
            last_event_ms: Number.MIN_SAFE_INTEGER,
          }
      products.set(productId, row)
      this.kept.size++
    }
    return row
  }

  private change(row: KeptRow, fields: Partial<OnHandRow>): void {
    Object.assign(row, fields)
    this.kept.dirty.add(row)
  }
}
