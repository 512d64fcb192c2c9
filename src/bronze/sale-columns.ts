import type { ValidSale } from './validate-sale.js'

/**
 * A sale's own fields as bronze stores them, column by column, with the ValidSale field each holds:
 * written once for bronze's insert and its twin check. Silver reads them by position
 * (silver/joined-sale.ts), tested against this list.
 */
export const SALE_COLUMNS = {
  device_id: 'deviceId',
  store_id: 'storeId',
  event_id: 'eventId',
  product_id: 'productId',
  price_minor: 'priceMinor',
  quantity: 'quantity',
  customer_id: 'customerId',
  order_id: 'orderId',
  refund_of: 'refundOf',
  return_reason: 'returnReason',
} as const satisfies Record<string, keyof ValidSale>

export type SaleColumn = keyof typeof SALE_COLUMNS

/** A stored sale's own fields, as a row read back. */
export type StoredSale = { [C in SaleColumn]: ValidSale[(typeof SALE_COLUMNS)[C]] }

export const SALE_COLUMN_NAMES = Object.keys(SALE_COLUMNS) as SaleColumn[]

/** `alias.column, ...` for a SELECT. */
export function saleColumnsOf(alias?: string): string {
  return SALE_COLUMN_NAMES.map((column) => (alias ? `${alias}.${column}` : column)).join(', ')
}
