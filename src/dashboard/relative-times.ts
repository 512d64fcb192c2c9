import { el } from './dom.js'
import type { Formats } from './format.js'

/** Relative times are redrawn this often: "12 sec. ago" moves on even without new figures. */
const TICK_MS = 10_000

/**
 * Every "… ago" on the page comes from here and is redrawn at once from one reading of the clock,
 * so that the gateway panel and the devices table never disagree about the same sale.
 */
export class RelativeTimes {
  private formats: Formats | undefined
  private timer: number | undefined

  constructor(private readonly root: ParentNode) {}

  /** An element saying how long ago an instant was; filled in by the next refresh. */
  element(instant: string): HTMLElement {
    const time = el('time', 'ago')
    time.dateTime = instant
    return time
  }

  /** Redraws them all now, and every few seconds from now on. */
  start(formats: Formats): void {
    this.formats = formats
    this.refresh()
    window.clearInterval(this.timer)
    this.timer = window.setInterval(() => this.refresh(), TICK_MS)
  }

  refresh(): void {
    const formats = this.formats
    if (formats === undefined) return
    const now = Date.now()
    for (const time of this.root.querySelectorAll<HTMLTimeElement>('time.ago')) time.textContent = formats.ago(time.dateTime, now)
  }
}
