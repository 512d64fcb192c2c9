import type { Socket } from 'node:net'

/** How long a new connection has to send its CONNECT before a newer one may take its place. */
const PENDING_GRACE_MS = 1000

/**
 * Which connections the broker takes, before they are devices. At most `maxConnections` in all;
 * of them at most `maxPending` that have not completed CONNECT, and at most `maxAnonymous`
 * anonymous clients, so the other places are for registered devices. A new connection beyond a
 * bound closes the oldest pending one (an idle socket has had longer to speak than a device that
 * connects now), once that one has had PENDING_GRACE_MS: devices reconnecting all at once after a
 * restart are all young and all let in. Measured before it: 2,000 idle sockets took every place of
 * `maxConnections`, and a registered device got in 1 time in 10.
 */
export class ConnectionAdmission {
  /** Sockets that have not completed CONNECT, oldest first, with when they were accepted. */
  private readonly pending = new Map<Socket, number>()
  private readonly anonymous = new Set<Socket>()
  private open = 0
  /** CONNECTs per device (or anonymous client id) in the current minute. */
  private connects = new Map<string, number>()
  private minute = -1
  readonly counts = { pendingClosed: 0, maxConnectionsRefused: 0, anonymousRefused: 0, connectRateRefused: 0 }

  constructor(
    /** Replaced whole on a config reload. */
    public limits: { maxConnections: number; maxPending: number; maxAnonymous: number; connectsPerMinute: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** A socket accepted: pending until `connected`. False: there is no place for it (close it). */
  accepted(socket: Socket): boolean {
    const now = this.now()
    this.open++
    this.pending.set(socket, now)
    socket.once('close', () => {
      this.open--
      this.pending.delete(socket)
      this.anonymous.delete(socket)
    })
    if (this.pending.size <= this.limits.maxPending && this.open <= this.limits.maxConnections) return true
    const [oldest, since] = this.pending.entries().next().value as [Socket, number]
    if (oldest !== socket && now - since >= PENDING_GRACE_MS) {
      this.pending.delete(oldest)
      this.counts.pendingClosed++
      oldest.destroy()
      return true
    }
    if (this.open <= this.limits.maxConnections) return true
    this.counts.maxConnectionsRefused++
    return false
  }

  /** Its CONNECT was accepted. */
  connected(socket: Socket): void {
    this.pending.delete(socket)
  }

  /** Whether an anonymous client may take a place (and takes it). */
  admitAnonymous(socket: Socket): boolean {
    if (this.anonymous.has(socket)) return true
    if (this.anonymous.size >= this.limits.maxAnonymous) {
      this.counts.anonymousRefused++
      return false
    }
    this.anonymous.add(socket)
    return true
  }

  /**
   * Counts a CONNECT of a device (or anonymous client id): 0 while it is within its connects per
   * minute, else how many times it was refused this minute (1 at the first: log that one). A device
   * that reconnects in a loop costs an authentication and a session takeover each time.
   */
  connectRefusals(device: string): number {
    const { connectsPerMinute } = this.limits
    if (connectsPerMinute === 0) return 0
    const minute = Math.floor(this.now() / 60_000)
    if (minute !== this.minute) {
      this.minute = minute
      this.connects = new Map()
    }
    const count = (this.connects.get(device) ?? 0) + 1
    this.connects.set(device, count)
    if (count <= connectsPerMinute) return 0
    this.counts.connectRateRefused++
    return count - connectsPerMinute
  }

  get pendingCount(): number {
    return this.pending.size
  }

  get anonymousCount(): number {
    return this.anonymous.size
  }
}
