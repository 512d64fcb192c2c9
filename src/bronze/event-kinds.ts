import type { EventKind, TopicOwner } from '../contract/device-topic.js'
import type { SqliteDatabase } from '../db/open.js'
import { FIRST_VALUE, IdentityTable } from './identity-table.js'
import type { Rejection } from './reject-reason.js'
import { SALE_COLUMN_NAMES, SALE_COLUMNS } from './sale-columns.js'
import { validateInventory, type ValidInventoryEvent } from './validate-inventory.js'
import { validateSale, type ValidSale } from './validate-sale.js'
import type { ValidVoid } from './validate-void.js'

/** An event bronze stores: a sale line (or return), a void, an inventory event; `table` says which. */
export type BronzeEvent = ValidSale | ValidVoid | ValidInventoryEvent

/** Each topic kind's item: how one JSON item is validated, and what an item is called in a refusal. */
export const EVENT_KINDS_IN: Record<
  EventKind,
  { validate: (item: unknown, owner: TopicOwner, minorUnitDigits: number, text: string) => BronzeEvent | Rejection; noun: string }
> = {
  sales: { validate: validateSale, noun: 'sale' },
  inventory: { validate: validateInventory, noun: 'inventory event' },
}

/** The bronze table of each kind of event, each with its identity index (identity-table.ts). */
export interface EventTables {
  sale: IdentityTable<ValidSale>
  void: IdentityTable<ValidVoid>
  inventory: IdentityTable<ValidInventoryEvent>
}

export function eventTables(db: SqliteDatabase): EventTables {
  return {
    // The sale's own fields in SALE_COLUMNS' order from FIRST_VALUE (4), spelled out: this runs for every sale.
    sale: new IdentityTable<ValidSale>(
      db,
      'iot_sales_raw',
      'sale_ts_ms',
      [...SALE_COLUMN_NAMES, 'payload'],
      (sale) => sale.saleTsMs,
      (s, p) => {
        p[4] = s.deviceId
        p[5] = s.storeId
        p[6] = s.eventId
        p[7] = s.productId
        p[8] = s.priceMinor
        p[9] = s.quantity
        p[10] = s.customerId
        p[11] = s.orderId
        p[12] = s.refundOf
        p[13] = s.returnReason
        p[14] = s.payload
      },
      SALE_COLUMN_NAMES,
      (stored, sale) => {
        // The contract's identity: (device, event id), or the content when there is no event id.
        if (stored.device_id !== sale.deviceId || stored.event_id !== sale.eventId) return false
        return sale.eventId !== null || SALE_COLUMN_NAMES.every((column) => stored[column] === sale[SALE_COLUMNS[column]])
      },
    ),
    void: new IdentityTable<ValidVoid>(
      db,
      'iot_sale_voids',
      'sale_ts_ms',
      ['device_id', 'store_id', 'event_id', 'void_of', 'payload'],
      (event) => event.saleTsMs,
      (v, p) => p.splice(FIRST_VALUE, 5, v.deviceId, v.storeId, v.eventId, v.voidOf, v.payload),
      ['device_id', 'store_id', 'event_id', 'void_of'],
      (stored, v) =>
        stored.device_id === v.deviceId &&
        stored.event_id === v.eventId &&
        (v.eventId !== null || (stored.store_id === v.storeId && stored.void_of === v.voidOf)),
    ),
    inventory: new IdentityTable<ValidInventoryEvent>(
      db,
      'iot_inventory_raw',
      'event_ts_ms',
      ['device_id', 'store_id', 'event_id', 'product_id', 'type', 'quantity', 'reason', 'payload'],
      (event) => event.tsMs,
      (e, p) => p.splice(FIRST_VALUE, 8, e.deviceId, e.storeId, e.eventId, e.productId, e.type, e.quantity, e.reason, e.payload),
      ['device_id', 'store_id', 'event_id', 'product_id', 'type', 'quantity', 'reason'],
      (stored, e) =>
        stored.device_id === e.deviceId &&
        stored.event_id === e.eventId &&
        (e.eventId !== null ||
          (stored.store_id === e.storeId &&
            stored.product_id === e.productId &&
            stored.type === e.type &&
            stored.quantity === e.quantity &&
            stored.reason === e.reason)),
    ),
  }
}
