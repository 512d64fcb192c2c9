import type { TopicOwner } from '../contract/device-topic.js'
import { parseRfc3339 } from '../contract/timestamp.js'
import { rejection, type Rejection } from './reject-reason.js'

/** Longest event_id, order_id and other text id an event may carry. */
export const MAX_TEXT_ID_LENGTH = 128

/** What every event on a sales topic carries, sale or void: who sent it, where, when, and its id. */
export interface Envelope {
  deviceId: string
  storeId: string
  saleTsMs: number
  eventId: string | null
}

export function wrongType(field: string, expected: string): Rejection {
  return rejection('invalid_type', `${field} must be ${expected}`, field)
}

export function isRejection(value: unknown): value is Rejection {
  return typeof value === 'object' && value !== null && 'detail' in value && 'reason' in value
}

/** An optional text of 1 to `maxLength` characters; null when absent. */
export function checkOptionalText(value: unknown, field: string, maxLength = MAX_TEXT_ID_LENGTH): string | null | Rejection {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') return wrongType(field, 'a string')
  if (value.length === 0 || value.length > maxLength) {
    return rejection('invalid_value', `${field} must have 1-${maxLength} characters`, field)
  }
  return value
}

/**
 * The envelope's checks, in the order devices are told about them: `required` fields present, the
 * device and store those of the topic, the timestamp RFC 3339, the event id a text id.
 */
export function checkEnvelope(item: Record<string, unknown>, owner: TopicOwner, required: readonly string[]): Envelope | Rejection {
  for (const field of required) {
    if (item[field] === undefined || item[field] === null) return rejection('missing_field', `${field} is required`, field)
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
  const eventId = checkOptionalText(item.event_id, 'event_id')
  if (isRejection(eventId)) return eventId
  return { deviceId, storeId, saleTsMs, eventId }
}
