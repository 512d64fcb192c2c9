/** Whether text is a YYYY-MM-DD that names a real day (2025-02-30 is not). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false
  const parsed = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** The calendar date on a zone's wall clock at an instant. */
export function dateIn(timeZone: string, atMs: number): string {
  let format = formatters.get(timeZone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formatters.set(timeZone, format)
  }
  return format.format(new Date(atMs))
}
