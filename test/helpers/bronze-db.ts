import Database from 'better-sqlite3'
import { join } from 'node:path'

export interface RawSaleRow {
  id: number
  device_id: string
  store_id: string
  event_id: string | null
  sale_ts_ms: number
  product_id: number
  price_minor: number
  quantity: number
  customer_id: number | null
  order_id: string | null
  payload: string
  received_at: string
}

export interface RejectRow {
  id: number
  topic: string
  client_id: string | null
  item_index: number | null
  reason: string
  field: string | null
  detail: string
  payload: string | Buffer | null
  payload_bytes: number
}

/** Reads bronze.db the way an analyst would: a separate read-only connection. */
export function readBronze(dataDir: string): { sales: RawSaleRow[]; rejects: RejectRow[] } {
  const db = new Database(join(dataDir, 'bronze.db'), { readonly: true })
  try {
    return {
      sales: db.prepare('SELECT * FROM iot_sales_raw ORDER BY id').all() as RawSaleRow[],
      rejects: db.prepare('SELECT * FROM iot_sales_rejects ORDER BY id').all() as RejectRow[],
    }
  } finally {
    db.close()
  }
}
