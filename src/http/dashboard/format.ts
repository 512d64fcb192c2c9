/** Money, counts, times and days as the store reads them: its locale, currency and time zone. */
export class Formats {
  private readonly moneyFormat: Intl.NumberFormat
  private readonly compactMoneyFormat: Intl.NumberFormat
  private readonly countFormat: Intl.NumberFormat
  private readonly percentFormat: Intl.NumberFormat
  private readonly timeFormat: Intl.DateTimeFormat
  private readonly hourFormat: Intl.DateTimeFormat
  private readonly dayFormat: Intl.DateTimeFormat
  private readonly weekdayFormat: Intl.DateTimeFormat
  private readonly weekdayNameFormat: Intl.DateTimeFormat
  private readonly relative: Intl.RelativeTimeFormat

  constructor(readonly locale: string, currency: { code: string; minor_unit_digits: number }, readonly timeZone: string) {
    this.moneyFormat = new Intl.NumberFormat(locale, {
      style: 'currency', currency: currency.code, minimumFractionDigits: currency.minor_unit_digits, maximumFractionDigits: currency.minor_unit_digits,
    })
    this.compactMoneyFormat = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.code, notation: 'compact' })
    this.countFormat = new Intl.NumberFormat(locale)
    this.percentFormat = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' })
    this.timeFormat = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit' })
    // Hours of the chart are store-local already: formatted as a UTC time of day.
    this.hourFormat = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', hour: 'numeric' })
    this.dayFormat = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
    this.weekdayFormat = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' })
    this.weekdayNameFormat = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', weekday: 'long' })
    this.relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' })
  }

  money(amount: number): string {
    return this.moneyFormat.format(amount)
  }

  /** Money on a chart axis ($1.2K). */
  compactMoney(amount: number): string {
    return this.compactMoneyFormat.format(amount)
  }

  count(value: number): string {
    return this.countFormat.format(value)
  }

  /** A change as a signed percentage (+12 %), or undefined when there is nothing to compare with. */
  change(now: number, before: number): string | undefined {
    return before > 0 ? this.percentFormat.format(now / before - 1) : undefined
  }

  /** An instant as the store's clock shows it (14:03:05). */
  time(iso: string): string {
    return this.timeFormat.format(new Date(iso))
  }

  hour(hour: number): string {
    return this.hourFormat.format(Date.UTC(2000, 0, 1, hour))
  }

  /** The store's hour now (0-23). */
  hourNow(nowMs: number): number {
    return Number(new Intl.DateTimeFormat('en-GB', { timeZone: this.timeZone, hour: '2-digit', hourCycle: 'h23' }).format(nowMs)) % 24
  }

  /** A YYYY-MM-DD date in words (Sunday, 29 November 2026). */
  day(date: string): string {
    return this.dayFormat.format(Date.parse(`${date}T00:00:00Z`))
  }

  /** A date, short (Sun, 22 Nov). */
  shortDay(date: string): string {
    return this.weekdayFormat.format(Date.parse(`${date}T00:00:00Z`))
  }

  /** The weekday of a date (Sunday). */
  weekday(date: string): string {
    return this.weekdayNameFormat.format(Date.parse(`${date}T00:00:00Z`))
  }

  /** How long ago an instant was (12 sec. ago, 3 min. ago, yesterday). */
  ago(iso: string, nowMs: number): string {
    const seconds = Math.round((Date.parse(iso) - nowMs) / 1000) // negative: in the past
    const size = Math.abs(seconds)
    if (size < 60) return this.relative.format(seconds, 'second')
    if (size < 3600) return this.relative.format(Math.round(seconds / 60), 'minute')
    if (size < 86_400) return this.relative.format(Math.round(seconds / 3600), 'hour')
    return this.relative.format(Math.round(seconds / 86_400), 'day')
  }

  /** A duration in seconds, short (45 s, 12 min, 3 h). */
  duration(seconds: number): string {
    if (seconds < 90) return `${this.count(seconds)} s`
    if (seconds < 5400) return `${this.count(Math.round(seconds / 60))} min`
    if (seconds < 172_800) return `${this.count(Math.round(seconds / 3600))} h`
    return `${this.count(Math.round(seconds / 86_400))} d`
  }
}
