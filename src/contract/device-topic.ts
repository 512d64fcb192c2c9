import { ID_PATTERN } from './ids.js'

/**
 * What a device publishes, one topic each: `stores/{store_id}/devices/{device_id}/{kind}`
 * (docs/bronze.md, "The path of a message"; docs/inventory.md). A new kind of event is a new entry
 * here and a validator in bronze/ (bronze/event-kinds.ts).
 */
export const EVENT_KINDS = ['sales', 'inventory'] as const
export type EventKind = (typeof EVENT_KINDS)[number]

/** Who a device topic belongs to. */
export interface TopicOwner {
  storeId: string
  deviceId: string
}

/** A device topic: its owner and the kind of event it carries. */
export interface DeviceTopic extends TopicOwner {
  kind: EventKind
}

export function eventTopic(owner: TopicOwner, kind: EventKind): string {
  return `stores/${owner.storeId}/devices/${owner.deviceId}/${kind}`
}

export function salesTopic(owner: TopicOwner): string {
  return eventTopic(owner, 'sales')
}

/** The prefix a device may subscribe under: `stores/{storeId}/devices/{deviceId}/`. */
export function devicePrefix(owner: TopicOwner): string {
  return `stores/${owner.storeId}/devices/${owner.deviceId}/`
}

const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS)

/** Whether `topic` is one of the owner's event topics, without parsing it: the broker asks this of every publish. */
export function isEventTopicOf(topic: string, owner: TopicOwner): boolean {
  const prefix = devicePrefix(owner)
  return topic.startsWith(prefix) && KINDS.has(topic.slice(prefix.length))
}

/** Parses a device's event topic; undefined when the topic is not one or carries an invalid id. */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  const levels = topic.split('/')
  if (levels.length !== 5 || levels[0] !== 'stores' || levels[2] !== 'devices' || !KINDS.has(levels[4]!)) return undefined
  const storeId = levels[1]!
  const deviceId = levels[3]!
  if (!ID_PATTERN.test(storeId) || !ID_PATTERN.test(deviceId)) return undefined
  return { storeId, deviceId, kind: levels[4] as EventKind }
}
