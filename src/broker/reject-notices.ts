import { rejectsTopic, type DeviceNotices, type RejectNotice, type RejectSummary } from '../contract/reject-notice.js'
import type { TopicOwner } from '../contract/device-topic.js'
import type { Clock } from '../util/clock.js'

/** The span over which a device's notices are counted against its rate. */
const WINDOW_MS = 1000

export interface RejectNoticesOptions {
  /** Whether the device's client is connected and subscribed to a filter matching `topic`. */
  listening: (owner: TopicOwner, topic: string) => boolean
  /** Publishes one notice at QoS 1 (the broker's own publish: no ACL check, no bronze). */
  publish: (topic: string, notice: RejectNotice | RejectSummary) => void
  /** Notices per device and second told one by one; the rest go into one summary a second. 0: none. */
  perSecond: number
  clock: Clock
}

export interface RejectNoticeCounts {
  /** Notices published one by one. */
  sent: number
  /** Summary notices published. */
  summaries: number
  /** Refusals counted in a summary instead of told one by one. */
  summarized: number
  /** Refusals of devices that were not subscribed to their notices (nothing was published). */
  unheard: number
}

interface DeviceWindow {
  startedAt: number
  sent: number
  suppressed: number
  reasons: Record<string, number>
  /** The newest refusal counted in the summary: its topic and time go on the summary. */
  last: { topic: string; received_at: string } | undefined
  timer: unknown
}

/**
 * Tells devices what the gateway refused (docs/bronze.md, "Refusal notices"): each refusal on the
 * device's own `.../rejects` topic, at most `perSecond` of them per device in a second; beyond,
 * they are counted and one summary notice says how many, by reason, at the end of that second. A
 * device not subscribed to its notices costs a look-up: nothing is built, published or queued.
 */
export class RejectNotices {
  readonly counts: RejectNoticeCounts = { sent: 0, summaries: 0, summarized: 0, unheard: 0 }
  private readonly windows = new Map<string, DeviceWindow>()

  constructor(private readonly options: RejectNoticesOptions) {}

  /** A reload's rate (mqtt.perDevice.rejectNoticesPerSecond), from the next notice. */
  set perSecond(perSecond: number) {
    this.options.perSecond = perSecond
  }

  /** The notices of one group commit, published after its acks. */
  tell(devices: readonly DeviceNotices[]): void {
    const { perSecond, listening, publish } = this.options
    for (const device of devices) {
      const topic = rejectsTopic(device.owner)
      const more = Object.values(device.more).reduce((sum, count) => sum + count, 0)
      if (perSecond === 0 || !listening(device.owner, topic)) {
        this.counts.unheard += device.notices.length + more
        continue
      }
      const window = this.windowOf(topic)
      for (const notice of device.notices) {
        if (window.sent < perSecond) {
          publish(topic, notice)
          window.sent++
          this.counts.sent++
        } else {
          this.suppress(window, notice.reason, 1, notice)
        }
      }
      const last = device.notices.at(-1)
      for (const [reason, count] of Object.entries(device.more)) if (last) this.suppress(window, reason, count, last)
      if (window.suppressed > 0 && window.timer === undefined) {
        window.timer = this.options.clock.setTimeout(() => this.summarize(topic), window.startedAt + WINDOW_MS - this.options.clock.now())
      }
    }
  }

  /** Publishes the summaries still waiting (the broker stops). */
  flush(): void {
    for (const topic of [...this.windows.keys()]) this.summarize(topic)
  }

  private windowOf(topic: string): DeviceWindow {
    const now = this.options.clock.now()
    const current = this.windows.get(topic)
    if (current !== undefined && now - current.startedAt < WINDOW_MS) return current
    if (current !== undefined) this.summarize(topic)
    const fresh: DeviceWindow = { startedAt: now, sent: 0, suppressed: 0, reasons: {}, last: undefined, timer: undefined }
    this.windows.set(topic, fresh)
    return fresh
  }

  private suppress(window: DeviceWindow, reason: string, count: number, notice: RejectNotice): void {
    window.suppressed += count
    window.reasons[reason] = (window.reasons[reason] ?? 0) + count
    window.last = { topic: notice.topic, received_at: notice.received_at }
  }

  /** Ends a device's window: its summary, if anything was only counted. */
  private summarize(topic: string): void {
    const window = this.windows.get(topic)
    if (window === undefined) return
    this.windows.delete(topic)
    if (window.timer !== undefined) this.options.clock.clearTimeout(window.timer)
    if (window.suppressed === 0 || window.last === undefined) return
    this.options.publish(topic, {
      event_id: null,
      reason: 'summary',
      detail: `${window.suppressed} more refused messages or items in ${WINDOW_MS / 1000} s, over the ${this.options.perSecond} a second told one by one; bronze.iot_sales_rejects keeps each`,
      topic: window.last.topic,
      received_at: window.last.received_at,
      item_index: null,
      field: null,
      suppressed: window.suppressed,
      reasons: window.reasons,
    })
    this.counts.summaries++
    this.counts.summarized += window.suppressed
  }
}
