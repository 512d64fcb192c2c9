import type { TopicOwner } from '../contract/device-topic.js'
import { eventIdentity, hash53, voidContentIdentity } from './dedupe-hash.js'
import { checkEnvelope, checkOptionalText, isRejection } from './event-envelope.js'
import { rejection, type Rejection } from './reject-reason.js'

/**
 * A void that passed validation: it cancels the line `voidOf` (an event id) sent earlier by the
 * same device; silver finds the line, now or when it arrives (silver/sale-voids.ts).
 */
export interface ValidVoid {
  table: 'void'
  deviceId: string
  storeId: string
  eventId: string | null
  saleTsMs: number
  dedupeHash: number
  voidOf: string
  payload: string
}

const VOID_FIELDS = ['device_id', 'store_id', 'timestamp', 'void_of'] as const

/** A void: `{event_id, device_id, store_id, timestamp, void_of}`; other fields are kept in its payload, not read. */
export function validateVoid(item: Record<string, unknown>, owner: TopicOwner, payload: string): ValidVoid | Rejection {
  const envelope = checkEnvelope(item, owner, VOID_FIELDS)
  if (isRejection(envelope)) return envelope
  const voidOf = checkOptionalText(item.void_of, 'void_of')
  if (isRejection(voidOf)) return voidOf
  if (voidOf === null) return rejection('missing_field', 'void_of is required', 'void_of')
  if (voidOf === envelope.eventId) return rejection('invalid_value', 'a void cannot cancel itself: void_of is its own event_id', 'void_of')
  const { deviceId, storeId, eventId, saleTsMs } = envelope
  const identity = eventId === null ? voidContentIdentity({ deviceId, storeId, saleTsMs, voidOf }) : eventIdentity(deviceId, eventId)
  return { table: 'void', deviceId, storeId, eventId, saleTsMs, dedupeHash: hash53(identity), voidOf, payload }
}
