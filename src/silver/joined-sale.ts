/** A bronze sale with the dimension versions valid at its timestamp (NULL where none is known). */
export interface JoinedSale {
  id: number
  event_id: string | null
  device_id: string
  store_id: string
  product_id: number
  price_minor: number
  quantity: number
  customer_id: number | null
  order_id: string | null
  refund_of: string | null
  return_reason: string | null
  sale_ts_ms: number
  received_at: string
  /** NULL on rows bronze stored before it kept milliseconds too. */
  received_at_ms: number | null
  product_name: string | null
  category: string | null
  customer_name: string | null
  customer_region: string | null
  store_name: string | null
  store_region: string | null
  store_timezone: string | null
  /** Re-enrichment only: where the silver row was before. */
  old_store_id?: string
  old_sale_date?: string
  old_voided_by?: number | null
}

/** A bronze sale's columns as silver reads them: new sales as raw rows in this order by `newSaleOf` (cheaper than better-sqlite3's named rows), re-enriched ones by name. */
export const NEW_SALE_COLUMNS =
  'id, event_id, device_id, store_id, product_id, price_minor, quantity, customer_id, order_id, refund_of, return_reason, sale_ts_ms, received_at, received_at_ms'

/** A raw row of NEW_SALE_COLUMNS, with no dimension joined yet (joinDimensions fills them in: one shape for every row). */
export function newSaleOf(row: unknown[]): JoinedSale {
  return {
    id: row[0] as number,
    event_id: row[1] as string | null,
    device_id: row[2] as string,
    store_id: row[3] as string,
    product_id: row[4] as number,
    price_minor: row[5] as number,
    quantity: row[6] as number,
    customer_id: row[7] as number | null,
    order_id: row[8] as string | null,
    refund_of: row[9] as string | null,
    return_reason: row[10] as string | null,
    sale_ts_ms: row[11] as number,
    received_at: row[12] as string,
    received_at_ms: row[13] as number | null,
    product_name: null,
    category: null,
    customer_name: null,
    customer_region: null,
    store_name: null,
    store_region: null,
    store_timezone: null,
  }
}
