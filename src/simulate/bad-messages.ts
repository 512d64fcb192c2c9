import type { SalePayload } from './sale-generator.js'

/** Ways a device gets a message wrong, each with the reject reason the gateway must store. */
export const BAD_MESSAGE_KINDS = [
  { reason: 'invalid_json', make: (sale: SalePayload) => JSON.stringify(sale).slice(0, -3) },
  { reason: 'invalid_type', make: (sale: SalePayload) => JSON.stringify({ ...sale, price: String(sale.price) }) },
  { reason: 'negative_price', make: (sale: SalePayload) => JSON.stringify({ ...sale, price: -sale.price }) },
  { reason: 'price_precision', make: (sale: SalePayload) => JSON.stringify({ ...sale, price: sale.price + 0.001 }) },
  { reason: 'missing_field', make: (sale: SalePayload) => JSON.stringify({ ...sale, product_id: undefined }) },
  { reason: 'invalid_timestamp', make: (sale: SalePayload) => JSON.stringify({ ...sale, timestamp: '26/11/2026 10:00' }) },
  { reason: 'device_mismatch', make: (sale: SalePayload) => JSON.stringify({ ...sale, device_id: sale.device_id + '-other' }) },
] as const
