import type { DeviceNotices } from '../contract/reject-notice.js'
import { eventTopicOwner, type RejectedItem } from './parse-message.js'

/**
 * Notices kept whole per device in one group commit; beyond, refusals are only counted. The broker
 * tells a device at most `mqtt.perDevice.rejectNoticesPerSecond` of them anyway: a device flooding
 * junk costs the commit a count, not an object per item.
 */
const NOTICES_PER_DEVICE_PER_GROUP = 32

/** The refusal notices of one group commit, by device (docs/bronze.md, "Refusal notices"). */
export class NoticeCollector {
  private readonly byDevice = new Map<string, DeviceNotices>()

  /** A refused message or item on `topic`; nothing when the topic names no device (invalid_topic). */
  add(topic: string, reject: RejectedItem, receivedAt: string): void {
    const owner = eventTopicOwner(topic)
    if (owner === undefined) return
    const key = `${owner.storeId}/${owner.deviceId}`
    let device = this.byDevice.get(key)
    if (device === undefined) this.byDevice.set(key, (device = { owner, notices: [], more: {} }))
    if (device.notices.length < NOTICES_PER_DEVICE_PER_GROUP) {
      device.notices.push({
        event_id: reject.eventId,
        reason: reject.reason,
        detail: reject.detail,
        topic,
        received_at: receivedAt,
        item_index: reject.itemIndex,
        field: reject.field,
      })
    } else {
      device.more[reject.reason] = (device.more[reject.reason] ?? 0) + 1
    }
  }

  get devices(): DeviceNotices[] {
    return [...this.byDevice.values()]
  }
}
