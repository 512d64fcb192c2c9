import type { TopicOwner } from '../contract/sales-topic.js'
import { contentIdentity, eventIdentity, hash53 } from './dedupe-hash.js'
import { toMinorUnits } from './money.js'
import { rejection, type Rejection } from './reject-reason.js'
import { parseRfc3339 } from '../contract/timestamp.js'
import { isRecord } from '../util/is-record.js'

/** A sale that passed validation: typed, with exact money, its dedupe hash and its JSON text. */
export interface ValidSale {
  deviceId: string
  storeId: string
  eventId: string | null
  saleTsMs: number
  dedupeHash: number
  productId: number
  priceMinor: number
  quantity: number
  customerId: number | null
  orderId: string | null
  /** The sale's JSON text, stored as received. */
  payload: string
}

/** Longest event_id, order_id and other text id a sale may carry. */
export const MAX_TEXT_ID_LENGTH = 128

function wrongType(field: string, expected: string): Rejection {
  return rejection('invalid_type', `${field} must be ${expected}`, field)
}

function checkInteger(value: unknown, field: string, min: number): number | Rejection {
  if (typeof value !== 'number') return wrongType(field, 'an integer')
  if (!Number.isFinite(value)) return rejection('non_finite_number', `${field} is not a finite number`, field)
  if (!Number.isSafeInteger(value)) return rejection('invalid_value', `${field} must be a whole number within 2^53`, field)
  if (value < min) return rejection('invalid_value', `${field} must be >= ${min}`, field)
  return value
}

function checkOptionalText(value: unknown, field: string): string | null | Rejection {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') return wrongType(field, 'a string')
  if (value.length === 0 || value.length > MAX_TEXT_ID_LENGTH) {
    return rejection('invalid_value', `${field} must have 1-${MAX_TEXT_ID_LENGTH} characters`, field)
  }
  return value
}

function isRejection(value: unknown): value is Rejection {
  return typeof value === 'object' && value !== null && 'reason' in value
}

/**
 * Validates one sale object against the contract's raw schema and the topic it came on.
 * Checks are explicit rather than a schema library: this runs for every sale on the ingest path.
 * Unknown extra fields are allowed (newer device firmware); they stay in the stored payload.
 */
export function validateSale(item: unknown, owner: TopicOwner, minorUnitDigits: number, payload: string): ValidSale | Rejection {
  if (!isRecord(item)) return rejection('invalid_shape', 'a sale must be a JSON object')

  for (const field of ['device_id', 'store_id', 'timestamp', 'product_id', 'price'] as const) {
    if (item[field] === undefined || item[field] === null) {
      return rejection('missing_field', `${field} is required`, field)
    }
  }
  const deviceId = item.device_id
  if (typeof deviceId !== 'string') return wrongType('device_id', 'a string')
  if (deviceId !== owner.deviceId) {
    return rejection('device_mismatch', `device_id '${deviceId}' is not the topic's device '${owner.deviceId}'`, 'device_id')
  }
  const storeId = item.store_id
  if (typeof storeId !== 'string') return wrongType('store_id', 'a string')
  if (storeId !== owner.storeId) {
    return rejection('store_mismatch', `store_id '${storeId}' is not the topic's store '${owner.storeId}'`, 'store_id')
  }
  if (typeof item.timestamp !== 'string') return wrongType('timestamp', 'an RFC 3339 string')
  const saleTsMs = parseRfc3339(item.timestamp)
  if (saleTsMs === undefined) {
    return rejection('invalid_timestamp', 'timestamp must be RFC 3339 with Z or an offset, e.g. 2025-05-01T12:30:00Z', 'timestamp')
  }
  const productId = checkInteger(item.product_id, 'product_id', 0)
  if (isRejection(productId)) return productId
  const priceMinor = toMinorUnits(item.price, minorUnitDigits)
  if (isRejection(priceMinor)) return priceMinor
  const quantity = item.quantity === undefined || item.quantity === null ? 1 : checkInteger(item.quantity, 'quantity', 1)
  if (isRejection(quantity)) return quantity
  if (!Number.isSafeInteger(priceMinor * quantity)) {
    return rejection('amount_out_of_range', 'price x quantity is too large', 'quantity')
  }
  const customerId = item.customer_id === undefined || item.customer_id === null ? null : checkInteger(item.customer_id, 'customer_id', 0)
  if (isRejection(customerId)) return customerId
  const orderId = checkOptionalText(item.order_id, 'order_id')
  if (isRejection(orderId)) return orderId
  const eventId = checkOptionalText(item.event_id, 'event_id')
  if (isRejection(eventId)) return eventId

  const sale: ValidSale = { deviceId, storeId, eventId, saleTsMs, dedupeHash: 0, productId, priceMinor, quantity, customerId, orderId, payload }
  sale.dedupeHash = hash53(eventId === null ? contentIdentity(sale) : eventIdentity(deviceId, eventId))
  return sale
}
