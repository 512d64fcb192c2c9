import type { TopicOwner } from '../contract/device-topic.js'
import { eventIdentity, hash53, inventoryContentIdentity } from './dedupe-hash.js'
import { checkEnvelope, checkOptionalText, isRejection, wrongType } from './event-envelope.js'
import { rejection, type Rejection } from './reject-reason.js'
import { isRecord } from '../util/is-record.js'
import { MAX_REASON_LENGTH } from './validate-sale.js'

export const INVENTORY_TYPES = ['count', 'receipt', 'adjustment'] as const
export type InventoryType = (typeof INVENTORY_TYPES)[number]

/** An inventory event that passed validation (docs/inventory.md): a count, a receipt or an adjustment of one product. */
export interface ValidInventoryEvent {
  table: 'inventory'
  deviceId: string
  storeId: string
  eventId: string | null
  tsMs: number
  dedupeHash: number
  productId: number
  type: InventoryType
  /** count: units on the shelf (>= 0); receipt: units received (>= 1); adjustment: signed, not 0. */
  quantity: number
  /** An adjustment's reason (damaged, expired, theft, returned, correction, or the till's own words). */
  reason: string | null
  payload: string
}

const FIELDS = ['device_id', 'store_id', 'timestamp', 'product_id', 'type', 'quantity'] as const
const TYPES: ReadonlySet<string> = new Set(INVENTORY_TYPES)
/** The least quantity each type allows; an adjustment may be anything but 0. */
const LEAST: Record<InventoryType, number> = { count: 0, receipt: 1, adjustment: Number.MIN_SAFE_INTEGER }

function wholeNumber(value: unknown, field: string): number | Rejection {
  if (typeof value !== 'number') return wrongType(field, 'an integer')
  if (!Number.isFinite(value)) return rejection('non_finite_number', `${field} is not a finite number`, field)
  if (!Number.isSafeInteger(value)) return rejection('invalid_value', `${field} must be a whole number within 2^53`, field)
  return value
}

/** Validates one object on an inventory topic against the contract and the topic it came on. */
export function validateInventory(item: unknown, owner: TopicOwner, _minorUnitDigits: number, payload: string): ValidInventoryEvent | Rejection {
  if (!isRecord(item)) return rejection('invalid_shape', 'an inventory event must be a JSON object')
  const envelope = checkEnvelope(item, owner, FIELDS)
  if (isRejection(envelope)) return envelope
  const productId = wholeNumber(item.product_id, 'product_id')
  if (isRejection(productId)) return productId
  if (productId < 0) return rejection('invalid_value', 'product_id must be >= 0', 'product_id')
  if (typeof item.type !== 'string') return wrongType('type', 'a string')
  if (!TYPES.has(item.type)) return rejection('invalid_value', `type must be count, receipt or adjustment, not '${item.type.slice(0, 32)}'`, 'type')
  const type = item.type as InventoryType
  const quantity = wholeNumber(item.quantity, 'quantity')
  if (isRejection(quantity)) return quantity
  if (quantity < LEAST[type] || (type === 'adjustment' && quantity === 0)) {
    const rule = { count: 'a count is >= 0', receipt: 'a receipt is >= 1', adjustment: 'an adjustment is not 0' }[type]
    return rejection('invalid_value', `quantity ${quantity}: ${rule}`, 'quantity')
  }
  const reason = checkOptionalText(item.reason, 'reason', MAX_REASON_LENGTH)
  if (isRejection(reason)) return reason
  if (type === 'adjustment' && reason === null)
    return rejection('missing_field', 'reason is required for an adjustment (damaged, expired, theft, returned, correction, or your own words)', 'reason')
  const { deviceId, storeId, eventId, saleTsMs: tsMs } = envelope
  const event: ValidInventoryEvent = {
    table: 'inventory',
    deviceId,
    storeId,
    eventId,
    tsMs,
    dedupeHash: 0,
    productId,
    type,
    quantity,
    reason: type === 'adjustment' ? reason : null,
    payload,
  }
  event.dedupeHash = hash53(eventId === null ? inventoryContentIdentity(event) : eventIdentity(deviceId, eventId))
  return event
}
