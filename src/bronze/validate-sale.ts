import type { TopicOwner } from '../contract/device-topic.js'
import { contentIdentity, eventIdentity, hash53 } from './dedupe-hash.js'
import { checkEnvelope, checkOptionalText, isRejection, wrongType } from './event-envelope.js'
import { toMinorUnits } from './money.js'
import { rejection, type Rejection } from './reject-reason.js'
import { isRecord } from '../util/is-record.js'
import { validateVoid, type ValidVoid } from './validate-void.js'

/** A sale line that passed validation: typed, with exact money, its dedupe hash and its JSON text. A return has a negative quantity. */
export interface ValidSale {
  table: 'sale'
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
  /** A return's original sale (its event id), when the till knows it. */
  refundOf: string | null
  /** A return's reason, as the till gave it. */
  returnReason: string | null
  /** The sale's JSON text, stored as received. */
  payload: string
}

/** Longest reason a return may give. */
export const MAX_REASON_LENGTH = 64

function checkInteger(value: unknown, field: string, min: number): number | Rejection {
  if (typeof value !== 'number') return wrongType(field, 'an integer')
  if (!Number.isFinite(value)) return rejection('non_finite_number', `${field} is not a finite number`, field)
  if (!Number.isSafeInteger(value)) return rejection('invalid_value', `${field} must be a whole number within 2^53`, field)
  if (value < min) return rejection('invalid_value', `${field} must be >= ${min}`, field)
  return value
}

/** A quantity: a whole number, not 0 (negative: a return); 1 when absent. */
function checkQuantity(value: unknown): number | Rejection {
  if (value === undefined || value === null) return 1
  const quantity = checkInteger(value, 'quantity', Number.MIN_SAFE_INTEGER)
  if (quantity === 0) return rejection('invalid_value', 'quantity must not be 0 (a sale is >= 1, a return <= -1)', 'quantity')
  return quantity
}

const SALE_FIELDS = ['device_id', 'store_id', 'timestamp', 'product_id', 'price'] as const

/**
 * Validates one object on a sales topic against the contract and the topic it came on: a sale line
 * (a return when its quantity is negative), or a void (`void_of`, validate-void.ts). Checks are
 * explicit rather than a schema library: this runs for every sale on the ingest path. Unknown
 * extra fields are allowed (newer device firmware); they stay in the stored payload.
 */
export function validateSale(item: unknown, owner: TopicOwner, minorUnitDigits: number, payload: string): ValidSale | ValidVoid | Rejection {
  if (!isRecord(item)) return rejection('invalid_shape', 'a sale must be a JSON object')
  if (item.void_of !== undefined && item.void_of !== null) return validateVoid(item, owner, payload)

  const envelope = checkEnvelope(item, owner, SALE_FIELDS)
  if (isRejection(envelope)) return envelope
  const productId = checkInteger(item.product_id, 'product_id', 0)
  if (isRejection(productId)) return productId
  const priceMinor = toMinorUnits(item.price, minorUnitDigits)
  if (isRejection(priceMinor)) return priceMinor
  const quantity = checkQuantity(item.quantity)
  if (isRejection(quantity)) return quantity
  if (!Number.isSafeInteger(priceMinor * quantity)) {
    return rejection('amount_out_of_range', 'price x quantity is too large', 'quantity')
  }
  const customerId = item.customer_id === undefined || item.customer_id === null ? null : checkInteger(item.customer_id, 'customer_id', 0)
  if (isRejection(customerId)) return customerId
  const orderId = checkOptionalText(item.order_id, 'order_id')
  if (isRejection(orderId)) return orderId
  const refundOf = checkOptionalText(item.refund_of, 'refund_of')
  if (isRejection(refundOf)) return refundOf
  const returnReason = checkOptionalText(item.reason, 'reason', MAX_REASON_LENGTH)
  if (isRejection(returnReason)) return returnReason
  if (quantity > 0 && (refundOf !== null || returnReason !== null)) {
    const field = refundOf !== null ? 'refund_of' : 'reason'
    return rejection('invalid_value', `${field} is for returns: a return has a negative quantity, this line has ${quantity}`, field)
  }

  const { deviceId, storeId, eventId, saleTsMs } = envelope
  const sale: ValidSale = {
    table: 'sale',
    deviceId,
    storeId,
    eventId,
    saleTsMs,
    dedupeHash: 0,
    productId,
    priceMinor,
    quantity,
    customerId,
    orderId,
    refundOf,
    returnReason,
    payload,
  }
  sale.dedupeHash = hash53(eventId === null ? contentIdentity(sale) : eventIdentity(deviceId, eventId))
  return sale
}
