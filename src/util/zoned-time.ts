/**
 * Instants on a zone's wall clock, the one converter from UTC to a store's local time (the
 * stores' days, silver's sale dates and hours, the scheduler's cron times). Intl does the zone
 * rules (DST included); a formatter per zone is made once.
 */

/** A zone's wall clock at an instant, to the minute. */
export interface WallClock {
  /** YYYY-MM-DD */
  date: string
  /** 1-12 */
  month: number
  day: number
  /** 0-23 */
  hour: number
  minute: number
  /** 0 = Sunday */
  weekday: number
  /** Days in this month (for cron's "L", the last day). */
  monthDays: number
  /** The wall-clock time as if it were UTC: wall minutes can be compared and stepped. */
  wallMs: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(timeZone, format)
  }
  return format
}

/** The wall clock of a zone at an instant. */
export function wallClockIn(timeZone: string, atMs: number): WallClock {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {}
  for (const part of formatterOf(timeZone).formatToParts(new Date(atMs))) if (part.type !== 'literal') parts[part.type] = Number(part.value)
  // Some engines print midnight as 24.
  return wallClockOf(Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!))
}

/** The wall-clock fields of a wall time given as if UTC (a stepped wall minute). */
export function wallClockOf(wallMs: number): WallClock {
  const date = new Date(wallMs)
  return {
    date: date.toISOString().slice(0, 10),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    weekday: date.getUTCDay(),
    monthDays: new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate(),
    wallMs,
  }
}

/** The calendar date on a zone's wall clock at an instant. */
export function dateIn(timeZone: string, atMs: number): string {
  return wallClockIn(timeZone, atMs).date
}

/**
 * The first instant of a date on a zone's wall clock (local midnight, or the first minute after
 * it where DST skips midnight). Found by stepping from UTC midnight by the zone's offset; two
 * corrections cover every offset change.
 */
export function startOfDayIn(timeZone: string, date: string): number {
  const target = Date.parse(`${date}T00:00:00Z`)
  let guess = target
  for (let step = 0; step < 3; step++) {
    const error = wallClockIn(timeZone, guess).wallMs - target
    if (error === 0) return guess
    guess -= error
  }
  // Midnight does not exist that day (a DST jump at 00:00): the day starts at the first minute after.
  while (wallClockIn(timeZone, guess).date < date) guess += 15 * 60_000
  while (wallClockIn(timeZone, guess - 60_000).date === date) guess -= 60_000
  return guess
}
