/** A device's allowance: two token buckets (messages, payload bytes) refilled at their rates. */
interface Allowance {
  messages: number
  bytes: number
  at: number
}

export interface PublishRates {
  messagesPerSecond: number
  bytesPerSecond: number
  burstSeconds: number
}

const SWEEP_EVERY_MS = 60_000

/**
 * Per-device publish rates. A message over a device's rate is not refused (MQTT 3.1.1 has no
 * negative ack, and the sale must not be lost): it waits until the device's allowance covers it.
 * Its ack waits with it, and aedes reads nothing more from that connection while one of its
 * messages waits, so a device over its rate slows itself down to it and holds no more memory than
 * one read. Measured before it: one device publishing as fast as it could took 28k sales/s, the
 * whole pipeline.
 */
export class PublishRateLimit {
  private readonly allowances = new Map<string, Allowance>()
  private sweptAt: number
  /** Messages that waited, and how long in total. */
  readonly counts = { delayed: 0, delayedMs: 0 }

  constructor(
    /** Replaced whole on a config reload; allowances carry over. */
    public rates: PublishRates,
    private readonly now: () => number = Date.now,
  ) {
    this.sweptAt = now()
  }

  get enabled(): boolean {
    return this.rates.messagesPerSecond > 0 || this.rates.bytesPerSecond > 0
  }

  /** How long (ms) a message of `bytes` from `device` must wait before it goes on; 0: now. */
  delayFor(device: string, bytes: number): number {
    const { messagesPerSecond, bytesPerSecond, burstSeconds } = this.rates
    const now = this.now()
    this.sweep(now)
    let allowance = this.allowances.get(device)
    if (allowance === undefined) {
      allowance = { messages: messagesPerSecond * burstSeconds, bytes: bytesPerSecond * burstSeconds, at: now }
      this.allowances.set(device, allowance)
    }
    const elapsed = Math.max(0, now - allowance.at) / 1000
    allowance.at = now
    let waitMs = 0
    if (messagesPerSecond > 0) {
      allowance.messages = Math.min(messagesPerSecond * burstSeconds, allowance.messages + elapsed * messagesPerSecond) - 1
      if (allowance.messages < 0) waitMs = Math.max(waitMs, (-allowance.messages / messagesPerSecond) * 1000)
    }
    if (bytesPerSecond > 0) {
      allowance.bytes = Math.min(bytesPerSecond * burstSeconds, allowance.bytes + elapsed * bytesPerSecond) - bytes
      if (allowance.bytes < 0) waitMs = Math.max(waitMs, (-allowance.bytes / bytesPerSecond) * 1000)
    }
    if (waitMs > 0) {
      this.counts.delayed++
      this.counts.delayedMs += waitMs
    }
    return Math.ceil(waitMs)
  }

  /** Forgets devices whose allowance is full again (anonymous client ids come and go). */
  private sweep(now: number): void {
    if (now - this.sweptAt < SWEEP_EVERY_MS) return
    this.sweptAt = now
    const { messagesPerSecond, bytesPerSecond, burstSeconds } = this.rates
    for (const [device, allowance] of this.allowances) {
      const elapsed = (now - allowance.at) / 1000
      if (
        allowance.messages + elapsed * messagesPerSecond >= messagesPerSecond * burstSeconds &&
        allowance.bytes + elapsed * bytesPerSecond >= bytesPerSecond * burstSeconds
      )
        this.allowances.delete(device)
    }
  }
}
