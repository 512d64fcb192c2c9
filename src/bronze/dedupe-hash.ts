/**
 * A 53-bit string hash (fits a JS number and an SQLite INTEGER exactly).
 *
 * Two 32-bit multiply-xor lanes over UTF-16 code units with a murmur3-style finaliser that mixes
 * each lane into the other. It is not cryptographic: it only has to keep distinct sales with the
 * same millisecond timestamp apart (the identity index is `(sale_ts_ms, dedupe_hash)`), where a
 * collision needs two sales in one millisecond and odds of 2^-53. Measured here: ~90 ns for a
 * device id + UUID, against ~670 ns for a truncated SHA-256 on the bronze writer's hot path.
 */
export function hash53(text: string): number {
  let a = 0x9e3779b9 ^ text.length
  let b = 0x85ebca6b
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    a = Math.imul(a ^ code, 0x01000193)
    b = Math.imul(b ^ code, 0x5bd1e995)
    b ^= b >>> 13
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b)
  a ^= Math.imul(b ^ (b >>> 13), 0xc2b2ae35)
  a ^= a >>> 16
  b = Math.imul(b ^ (b >>> 16), 0x85ebca6b)
  b ^= Math.imul(a ^ (a >>> 13), 0xc2b2ae35)
  b ^= b >>> 16
  return (b & 0x1fffff) * 0x1_0000_0000 + (a >>> 0)
}

const SEP = '\u0000'

/** The identity of a sale with an event id: (device, event id) (docs/bronze.md, "Dedupe: identity and its index"). */
export function eventIdentity(deviceId: string, eventId: string): string {
  return 'e' + SEP + deviceId + SEP + eventId
}

/** The identity of a sale without an event id: its canonical content (docs/bronze.md, "Dedupe: identity and its index"). */
export function contentIdentity(sale: {
  deviceId: string
  storeId: string
  saleTsMs: number
  productId: number
  priceMinor: number
  quantity: number
  customerId: number | null
  orderId: string | null
  refundOf?: string | null
  returnReason?: string | null
}): string {
  const identity = ['c', sale.deviceId, sale.storeId, sale.saleTsMs, sale.productId, sale.priceMinor, sale.quantity, sale.customerId ?? '', sale.orderId ?? '']
  // A return's fields join only when present: a sale's identity stays what it was before returns.
  if (sale.refundOf != null || sale.returnReason != null) identity.push('r', sale.refundOf ?? '', sale.returnReason ?? '')
  return identity.join(SEP)
}

/** The identity of a void without an event id: its content. */
export function voidContentIdentity(event: { deviceId: string; storeId: string; saleTsMs: number; voidOf: string }): string {
  return ['v', event.deviceId, event.storeId, event.saleTsMs, event.voidOf].join(SEP)
}

/** The identity of an inventory event without an event id: its content. */
export function inventoryContentIdentity(event: {
  deviceId: string
  storeId: string
  tsMs: number
  productId: number
  type: string
  quantity: number
  reason: string | null
}): string {
  return ['i', event.deviceId, event.storeId, event.tsMs, event.productId, event.type, event.quantity, event.reason ?? ''].join(SEP)
}
