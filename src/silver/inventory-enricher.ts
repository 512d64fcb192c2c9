import { upsertSql } from '../db/upsert-sql.js'
import type { SqliteDatabase } from '../db/open.js'
import type { DimensionCache } from './dimension-cache.js'
import type { LocalTimeCache } from './local-time.js'
import { UNKNOWN } from './schema.js'
import type { StockOnHand } from './stock-on-hand.js'

interface BronzeInventoryEvent {
  id: number
  event_id: string | null
  device_id: string
  store_id: string
  product_id: number
  type: 'count' | 'receipt' | 'adjustment'
  quantity: number
  reason: string | null
  event_ts_ms: number
}

const BRONZE_COLUMNS = 'id, event_id, device_id, store_id, product_id, type, quantity, reason, event_ts_ms'

/** silver.inventory_movements' columns, in the order the upsert takes them (test/silver/enriched-columns.test.ts). */
export const MOVEMENT_COLUMNS = (
  'bronze_id, event_id, device_id, store_id, product_id, product_name, category, type, quantity, units, reason, event_ts, event_ts_ms, ' +
  'stock_date, timezone, unknown_product, enriched_at'
).split(', ')

/**
 * Bronze -> silver for inventory events (silver.inventory_movements, written only here): each with
 * its product as of its time (point in time, like a sale) and the store's local date. Runs inside
 * the sales enricher's transaction (sales-enricher.ts), after the sales and voids of the batch.
 */
export class InventoryEnricher {
  private readonly selectNew
  private readonly upsert
  private readonly selectOfProduct
  private readonly selectOfStore

  constructor(
    db: SqliteDatabase,
    private readonly dimensions: DimensionCache,
    private readonly localTime: LocalTimeCache,
    private readonly defaultTimezone: string,
    private readonly onHand: StockOnHand,
    private readonly markDay: (storeId: string, date: string) => void,
  ) {
    this.selectNew = db.prepare<[number, number], BronzeInventoryEvent>(
      `SELECT ${BRONZE_COLUMNS} FROM bronze.iot_inventory_raw WHERE id > ? ORDER BY id LIMIT ?`,
    )
    this.upsert = db.prepare(upsertSql('silver.inventory_movements', MOVEMENT_COLUMNS, 'bronze_id'))
    const again = (where: string) =>
      db.prepare<[number | string, number], BronzeInventoryEvent & { old_date: string }>(`SELECT ${BRONZE_COLUMNS.split(', ')
        .map((column) => `b.${column}`)
        .join(', ')}, m.stock_date AS old_date FROM silver.inventory_movements m JOIN bronze.iot_inventory_raw b ON b.id = m.bronze_id
        WHERE ${where} AND m.event_ts_ms >= ?`)
    this.selectOfProduct = again('m.product_id = ?')
    this.selectOfStore = again('m.store_id = ?')
  }

  /** Takes up to `limit` inventory events bronze received after `afterId`; returns the last one taken (the watermark). */
  takeNew(afterId: number, limit: number, at: string): number {
    let watermark = afterId
    for (const event of this.selectNew.all(afterId, limit)) {
      const stockDate = this.write(event, at)
      this.onHand.movement({
        bronzeId: event.id,
        storeId: event.store_id,
        productId: event.product_id,
        type: event.type,
        quantity: event.quantity,
        tsMs: event.event_ts_ms,
        stockDate,
      })
      watermark = event.id
    }
    return watermark
  }

  /**
   * A product or a store changed from `fromMs` (a dimension import): its movements since are
   * written again, their old and new days marked for gold (a store's, in another time zone, may move
   * the day its stock began). Inside the import's transaction.
   */
  reenrich(dimension: 'product' | 'store', key: number | string, fromMs: number, at: string): number {
    const rows = (dimension === 'product' ? this.selectOfProduct : this.selectOfStore).all(key, fromMs)
    for (const row of rows) {
      this.markDay(row.store_id, row.old_date)
      this.markDay(row.store_id, this.write(row, at))
    }
    if (dimension === 'store' && rows.length > 0) this.onHand.storeDaysChanged(key as string)
    return rows.length
  }

  /** Writes one movement; returns its store-local date. */
  private write(event: BronzeInventoryEvent, at: string): string {
    const product = this.dimensions.product.at(event.product_id, event.event_ts_ms)
    const timezone = this.dimensions.store.at(event.store_id, event.event_ts_ms)?.timezone ?? this.defaultTimezone
    const date = this.localTime.at(event.event_ts_ms, timezone).date
    this.upsert.run(
      event.id,
      event.event_id,
      event.device_id,
      event.store_id,
      event.product_id,
      product?.product_name ?? UNKNOWN,
      product?.category ?? UNKNOWN,
      event.type,
      event.quantity,
      event.type === 'count' ? null : event.quantity,
      event.reason,
      new Date(event.event_ts_ms).toISOString(),
      event.event_ts_ms,
      date,
      timezone,
      product === undefined ? 1 : 0,
      at,
    )
    return date
  }
}
