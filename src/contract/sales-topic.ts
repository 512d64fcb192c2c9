import { ID_PATTERN } from './ids.js'

/** Who a sales topic belongs to: `stores/{storeId}/devices/{deviceId}/sales` (docs/bronze.md, "The path of a message"). */
export interface TopicOwner {
  storeId: string
  deviceId: string
}

export function salesTopic(owner: TopicOwner): string {
  return `stores/${owner.storeId}/devices/${owner.deviceId}/sales`
}

/** The prefix a device may subscribe under: `stores/{storeId}/devices/{deviceId}/`. */
export function devicePrefix(owner: TopicOwner): string {
  return `stores/${owner.storeId}/devices/${owner.deviceId}/`
}

/** Parses a sales topic; undefined when the topic is not one or carries an invalid id. */
export function parseSalesTopic(topic: string): TopicOwner | undefined {
  const levels = topic.split('/')
  if (levels.length !== 5 || levels[0] !== 'stores' || levels[2] !== 'devices' || levels[4] !== 'sales') {
    return undefined
  }
  const storeId = levels[1]!
  const deviceId = levels[3]!
  if (!ID_PATTERN.test(storeId) || !ID_PATTERN.test(deviceId)) return undefined
  return { storeId, deviceId }
}
