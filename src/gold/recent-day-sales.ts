import type { SqliteDatabase } from '../db/open.js'

/** A sale line as the stock walk takes it. */
export interface StockSale {
  product_id: number
  quantity: number
  sale_ts_ms: number
}

interface SaleRow extends StockSale {
  store_id: string
  sale_date: string
  voided_by: number | null
}

/**
 * The sales of the store-days the stock step walks most (today and yesterday), by product, in
 * memory: gold's step then reads only the sales silver added since the last step (by bronze id),
 * not the whole day again for each product it touches. An index of silver's sales by product would
 * do the same at a quarter of silver's insert rate (docs/benchmarks.md, "Inventory").
 *
 * It is in step with silver as gold's sales facts are: new sales come by bronze id, and a change
 * to a sale silver already held (a void, a re-enrichment that moves it) comes as a day change,
 * for which the refresher calls `forget`.
 */
export class RecentDaySales {
  /** `store\0date` -> product -> its sales of the day (not voided), up to `through`. */
  private readonly days = new Map<string, Map<number, StockSale[]>>()
  /** The bronze id every kept day holds the sales up to. */
  private through = 0
  private readonly ofDay
  private readonly added

  constructor(db: SqliteDatabase) {
    this.ofDay = db.prepare<[string, string, number], StockSale>(
      'SELECT product_id, quantity, sale_ts_ms FROM silver.sales_enriched WHERE store_id = ? AND sale_date = ? AND bronze_id <= ? AND voided_by IS NULL',
    )
    this.added = db.prepare<[number, number], SaleRow>(
      'SELECT store_id, sale_date, product_id, quantity, sale_ts_ms, voided_by FROM silver.sales_enriched WHERE bronze_id > ? AND bronze_id <= ?',
    )
  }

  /** A sale of the day changed in silver: the day is read again when next asked for. */
  forget(storeId: string, date: string): void {
    this.days.delete(key(storeId, date))
  }

  /** Keeps only the days `keep` says (the others would only grow). */
  keepOnly(keep: (storeId: string, date: string) => boolean): void {
    for (const day of this.days.keys()) {
      const [storeId, date] = day.split('\u0000') as [string, string]
      if (!keep(storeId, date)) this.days.delete(day)
    }
  }

  /** The day's sales (not voided, up to bronze id `through`), by product; read once, then kept up to date. */
  day(storeId: string, date: string, through: number): Map<number, StockSale[]> {
    this.catchUp(through)
    let byProduct = this.days.get(key(storeId, date))
    if (byProduct === undefined) {
      byProduct = new Map()
      for (const sale of this.read(storeId, date, through)) add(byProduct, sale)
      this.days.set(key(storeId, date), byProduct)
    }
    return byProduct
  }

  /** The day's sales (not voided, up to bronze id `through`) read from silver, not kept: an older day's. */
  read(storeId: string, date: string, through: number): StockSale[] {
    return this.ofDay.all(storeId, date, through)
  }

  private catchUp(through: number): void {
    if (through === this.through) return
    if (through < this.through) {
      // Behind what is kept (another refresher's watermark): start over rather than guess.
      this.days.clear()
    } else if (this.days.size > 0) {
      for (const sale of this.added.all(this.through, through)) {
        const byProduct = this.days.get(key(sale.store_id, sale.sale_date))
        if (byProduct !== undefined && sale.voided_by === null) add(byProduct, sale)
      }
    }
    this.through = through
  }
}

function key(storeId: string, date: string): string {
  return `${storeId}\u0000${date}`
}

function add(byProduct: Map<number, StockSale[]>, sale: StockSale): void {
  const entry = { product_id: sale.product_id, quantity: sale.quantity, sale_ts_ms: sale.sale_ts_ms }
  const list = byProduct.get(sale.product_id)
  if (list === undefined) byProduct.set(sale.product_id, [entry])
  else list.push(entry)
}
