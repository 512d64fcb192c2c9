/** Whether text is a YYYY-MM-DD that names a real day (2025-02-30 is not). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false
  const parsed = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text
}

/** A date some days before (negative) or after a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
}

/** A zone's wall clock at an instant: its date, hour (0-23) and minute. */
export interface WallClock {
  date: string
  hour: number
  minute: number
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
  const parts = formatterOf(timeZone).formatToParts(new Date(atMs))
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((part) => part.type === type)!.value
  return { date: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')) % 24, minute: Number(get('minute')) }
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
    const local = wallClockIn(timeZone, guess)
    const shownAsUtc = Date.parse(`${local.date}T00:00:00Z`) + (local.hour * 60 + local.minute) * 60_000
    const error = shownAsUtc - target
    if (error === 0) return guess
    guess -= error
  }
  // Midnight does not exist that day (a DST jump at 00:00): the day starts at the first minute after.
  while (wallClockIn(timeZone, guess).date < date) guess += 15 * 60_000
  while (wallClockIn(timeZone, guess - 60_000).date === date) guess -= 60_000
  return guess
}
