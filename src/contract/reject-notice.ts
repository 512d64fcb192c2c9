import type { TopicOwner } from './device-topic.js'

/**
 * `stores/{store_id}/devices/{device_id}/rejects`: where the gateway tells a device what it
 * refused (docs/bronze.md, "Refusal notices"). Under the device's own prefix, so the device may
 * subscribe to it and no other device may.
 */
export function rejectsTopic(owner: TopicOwner): string {
  return `stores/${owner.storeId}/devices/${owner.deviceId}/rejects`
}

/**
 * The client id of a device's second connection, which may only subscribe: a watcher of its
 * notices beside the device itself (`mosquitto_sub -i till-1/watch`), since a second connection
 * under the device's own client id would take the device's place.
 */
export function watcherClientId(deviceId: string): string {
  return `${deviceId}/watch`
}

/** One refused message, or one refused item of an array message: the JSON of one notice (QoS 1). */
export interface RejectNotice {
  /** The refused sale's `event_id` when it had a readable one, else null. */
  event_id: string | null
  /** The machine-readable reason, as in `bronze.iot_sales_rejects.reason`. */
  reason: string
  /** A sentence for people. */
  detail: string
  /** The topic the refused message was published on. */
  topic: string
  /** When the gateway received it (RFC 3339, UTC). */
  received_at: string
  /** The item's position in an array message; null when the whole message was refused. */
  item_index: number | null
  /** The field to blame, when there is one. */
  field: string | null
}

/**
 * Refusals not told one by one (a device over its rate of notices): how many, by reason, since the
 * last notice. `reason` is "summary", `event_id` null.
 */
export interface RejectSummary extends Omit<RejectNotice, 'event_id' | 'reason' | 'item_index' | 'field'> {
  event_id: null
  reason: 'summary'
  item_index: null
  field: null
  suppressed: number
  reasons: Record<string, number>
}

/** A device's notices of one group commit: the first ones whole, the rest only counted. */
export interface DeviceNotices {
  owner: TopicOwner
  notices: RejectNotice[]
  /** Refusals beyond the notices kept, by reason. */
  more: Record<string, number>
}
