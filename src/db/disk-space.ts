import { statfsSync } from 'node:fs'
import type { Logger } from 'pino'

/** How often free space is looked at: a statfs a second, never one per message. */
const CHECK_MS = 1000
/** Room above the reserve (or above what was free when a write failed) before intake resumes. */
const HYSTERESIS_BYTES = 16 * 1024 * 1024

export interface DiskState {
  freeBytes: number
  reserveBytes: number
  /** Under the reserve, or a write failed for lack of space: new sales are not acked. */
  low: boolean
  /** Since when it is low (ISO), or null. */
  since: string | null
}

/**
 * Free space on the data directory's filesystem, against the configured reserve. Under the reserve
 * the daemon stops acknowledging new sales (devices keep them and send them again) before SQLite
 * meets a full disk: a full disk fails commits and, on ext4, can kill the process with SIGBUS
 * when SQLite touches a page of its memory-mapped WAL index that the filesystem cannot back. It
 * is low again only with room above the reserve (hysteresis), so it does not flap.
 */
export class DiskSpace {
  private timer: NodeJS.Timeout | undefined
  private freeBytes = Number.POSITIVE_INFINITY
  private lowSince: number | null = null
  private resumeAbove = 0
  private readonly listeners: ((low: boolean) => void)[] = []

  constructor(
    private readonly dir: string,
    private readonly reserveBytes: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.check()
    this.timer = setInterval(() => this.check(), CHECK_MS)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  get low(): boolean {
    return this.lowSince !== null
  }

  state(): DiskState {
    return {
      freeBytes: this.freeBytes,
      reserveBytes: this.reserveBytes,
      low: this.low,
      since: this.lowSince === null ? null : new Date(this.lowSince).toISOString(),
    }
  }

  onChange(listener: (low: boolean) => void): void {
    this.listeners.push(listener)
  }

  /** A write failed for lack of space (SQLITE_FULL): low until there is room above what is free now. */
  reportFull(): void {
    this.check()
    this.enterLow(Math.max(this.reserveBytes, this.freeBytes) + HYSTERESIS_BYTES, 'a write failed: the disk is full')
  }

  /** Resolves once there is room above the reserve (a daemon started on a full disk waits here). */
  async waitForRoom(): Promise<void> {
    this.check()
    if (!this.low) return
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        this.check()
        if (!this.low) {
          clearInterval(poll)
          resolve()
        }
      }, CHECK_MS)
    })
  }

  private check(): void {
    try {
      const stats = statfsSync(this.dir)
      this.freeBytes = stats.bavail * stats.bsize
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, dir: this.dir }, 'free space of the data directory cannot be read')
      return
    }
    if (!this.low && this.freeBytes < this.reserveBytes) this.enterLow(this.reserveBytes + HYSTERESIS_BYTES, 'free space under storage.reserveMiB')
    else if (this.low && this.freeBytes >= this.resumeAbove) this.leaveLow()
  }

  private enterLow(resumeAbove: number, why: string): void {
    this.resumeAbove = Math.max(this.resumeAbove, resumeAbove)
    if (this.low) return
    this.lowSince = this.now()
    this.logger.error(
      { dir: this.dir, freeMiB: mib(this.freeBytes), reserveMiB: mib(this.reserveBytes), resumeAboveMiB: mib(this.resumeAbove) },
      'disk full (%s): new sales are not acked (devices keep them and resend) until space returns',
      why,
    )
    for (const listener of this.listeners) listener(true)
  }

  private leaveLow(): void {
    this.logger.warn(
      { dir: this.dir, freeMiB: mib(this.freeBytes), lowForS: Math.round((this.now() - this.lowSince!) / 1000) },
      'disk space is back: acking sales again',
    )
    this.lowSince = null
    this.resumeAbove = 0
    for (const listener of this.listeners) listener(false)
  }
}

const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10
