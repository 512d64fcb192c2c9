/** An instant as a zone's wall clock shows it, to the minute. */
export interface WallClock {
  /** The wall-clock time as if it were UTC: wall minutes can be compared and stepped. */
  wallMs: number
  month: number
  day: number
  hour: number
  minute: number
  /** 0 = Sunday */
  weekday: number
  /** Days in this month (for "L", the last day). */
  monthDays: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    })
    formatters.set(timeZone, format)
  }
  return format
}

/** The wall clock of a zone at a UTC instant. */
export function wallClockAt(utcMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {}
  for (const part of formatter(timeZone).formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  return fromWallMs(Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!))
}

/** The wall-clock fields of a wall time given as if UTC. */
export function fromWallMs(wallMs: number): WallClock {
  const date = new Date(wallMs)
  return {
    wallMs,
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    weekday: date.getUTCDay(),
    monthDays: new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate(),
  }
}
