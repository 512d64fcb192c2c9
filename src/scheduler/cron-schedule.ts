import { parse } from 'node-cron'
import { wallClockIn, wallClockOf, type WallClock } from '../util/zoned-time.js'

const MINUTE_MS = 60_000
/** Longer than any DST shift (1 h; Lord Howe's is 30 min). */
const REPEAT_WINDOW_MS = 2 * 60 * MINUTE_MS

/**
 * When a 5-field cron expression is due, in a time zone, minute by minute. node-cron parses the
 * expression; the matching is ours, on the zone's wall clock, so that DST days behave as people
 * expect: a time skipped by the spring-forward jump runs at the first minute after the jump, and
 * a time that the fall-back hour repeats runs once, not twice. Day of month and day of week
 * follow Vixie cron: when both are restricted, either one matching is enough.
 */
export class CronSchedule {
  private readonly minutes: Set<number>
  private readonly hours: Set<number>
  private readonly months: Set<number>
  private readonly daysOfMonth: Set<number | string>
  private readonly daysOfWeek: Set<number>
  private readonly dayOfMonthRestricted: boolean
  private readonly dayOfWeekRestricted: boolean

  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    const fields = parse(expression)
    const text = expression.trim().split(/\s+/)
    this.minutes = new Set(fields.minute)
    this.hours = new Set(fields.hour)
    this.months = new Set(fields.month)
    this.daysOfMonth = new Set(fields.dayOfMonth)
    this.daysOfWeek = new Set(fields.dayOfWeek.map((day) => Number(day) % 7))
    // Vixie cron: a day field is "restricted" unless it starts with '*' (so '*/2' is not).
    this.dayOfMonthRestricted = !text[2]!.startsWith('*')
    this.dayOfWeekRestricted = !text[4]!.startsWith('*')
  }

  /** Whether the wall-clock minute matches the expression. */
  matchesWall(wall: WallClock): boolean {
    if (!this.minutes.has(wall.minute) || !this.hours.has(wall.hour) || !this.months.has(wall.month)) return false
    const byMonthDay = this.daysOfMonth.has(wall.day) || (this.daysOfMonth.has('L') && wall.day === wall.monthDays)
    const byWeekDay = this.daysOfWeek.has(wall.weekday)
    if (this.dayOfMonthRestricted && this.dayOfWeekRestricted) return byMonthDay || byWeekDay
    return byMonthDay && byWeekDay
  }

  /**
   * Whether the job is due at the UTC minute `minuteMs`, the one after `minuteMs - 60 s`:
   * its wall minute matches (unless the fall-back hour is repeating it), or a wall minute the
   * spring-forward jump skipped just before it matches.
   */
  dueAt(minuteMs: number): boolean {
    const wall = wallClockIn(this.timeZone, minuteMs)
    // The repeated hour after a fall-back: a wall minute that already happened under the earlier
    // (larger) offset was due then, not again now.
    const before = minuteMs - REPEAT_WINDOW_MS
    const offsetBefore = wallClockIn(this.timeZone, before).wallMs - before
    if (wall.wallMs - minuteMs < offsetBefore) {
      const firstTime = wall.wallMs - offsetBefore
      if (firstTime < minuteMs && wallClockIn(this.timeZone, firstTime).wallMs === wall.wallMs) return false
    }
    if (this.matchesWall(wall)) return true
    const previous = wallClockIn(this.timeZone, minuteMs - MINUTE_MS)
    for (let skipped = previous.wallMs + MINUTE_MS; skipped < wall.wallMs; skipped += MINUTE_MS) {
      if (this.matchesWall(wallClockOf(skipped))) return true
    }
    return false
  }

  /** The last due minute in (afterMs, atMs], or null. */
  lastDueIn(afterMs: number, atMs: number): number | null {
    for (let minute = Math.floor(atMs / MINUTE_MS) * MINUTE_MS; minute > afterMs; minute -= MINUTE_MS) {
      if (this.dueAt(minute)) return minute
    }
    return null
  }
}
