/**
 * Money, counts, times and days as the store reads them: its locale, currency and time zone. Each
 * Intl formatter is made on first use: making one costs milliseconds on a till's CPU, and the
 * first paint needs only two of them.
 */
export class Formats {
  private moneyFormat?: Intl.NumberFormat
  private compactMoneyFormat?: Intl.NumberFormat
  private countFormat?: Intl.NumberFormat
  private decimalFormat?: Intl.NumberFormat
  private percentFormat?: Intl.NumberFormat
  private timeFormat?: Intl.DateTimeFormat
  private hourNowFormat?: Intl.DateTimeFormat
  private dateNowFormat?: Intl.DateTimeFormat
  private hourFormat?: Intl.DateTimeFormat
  private dayFormat?: Intl.DateTimeFormat
  private shortDayFormat?: Intl.DateTimeFormat
  private weekdayFormat?: Intl.DateTimeFormat
  private relative?: Intl.RelativeTimeFormat

  constructor(
    readonly locale: string,
    private readonly currency: { code: string; minor_unit_digits: number },
    readonly timeZone: string,
  ) {}

  money(amount: number): string {
    const digits = this.currency.minor_unit_digits
    this.moneyFormat ??= new Intl.NumberFormat(this.locale, {
      style: 'currency',
      currency: this.currency.code,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    })
    return this.moneyFormat.format(amount)
  }

  /** An amount rounded to the currency's minor unit (a prorated hour). */
  roundMoney(amount: number): number {
    const scale = 10 ** this.currency.minor_unit_digits
    return Math.round(amount * scale) / scale
  }

  /** A ratio with one decimal (2.4 items per order). */
  decimal(value: number): string {
    this.decimalFormat ??= new Intl.NumberFormat(this.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 })
    return this.decimalFormat.format(value)
  }

  /** Money on a chart axis ($1.2K). */
  compactMoney(amount: number): string {
    this.compactMoneyFormat ??= new Intl.NumberFormat(this.locale, { style: 'currency', currency: this.currency.code, notation: 'compact' })
    return this.compactMoneyFormat.format(amount)
  }

  count(value: number): string {
    this.countFormat ??= new Intl.NumberFormat(this.locale)
    return this.countFormat.format(value)
  }

  /** A change as a signed percentage (+12 %), or undefined when there is nothing to compare with. */
  change(now: number, before: number): string | undefined {
    this.percentFormat ??= new Intl.NumberFormat(this.locale, { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' })
    return before > 0 ? this.percentFormat.format(now / before - 1) : undefined
  }

  /**
   * An instant as the store's clock shows it (2:03:05 PM), the one format of every time on the
   * page. A browser in another zone (kiosks often run in UTC) could misread it: there the zone is
   * named (2:03:05 PM EST).
   */
  time(instant: string | number): string {
    this.timeFormat ??= new Intl.DateTimeFormat(this.locale, {
      timeZone: this.timeZone,
      hour: 'numeric',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: this.browserZoneDiffers() ? 'short' : undefined,
    })
    return this.timeFormat.format(new Date(instant))
  }

  /** The browser keeps another time zone than the store (the store's is the one shown). */
  browserZoneDiffers(): boolean {
    return new Intl.DateTimeFormat().resolvedOptions().timeZone !== this.timeZone
  }

  /** The store's date now (YYYY-MM-DD). */
  dateNow(nowMs: number): string {
    this.dateNowFormat ??= new Intl.DateTimeFormat('en-CA', { timeZone: this.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    return this.dateNowFormat.format(nowMs)
  }

  /** The store's hour (0-23) and minute now. */
  clockNow(nowMs: number): { hour: number; minute: number } {
    this.hourNowFormat ??= new Intl.DateTimeFormat('en-GB', { timeZone: this.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    const [hour, minute] = this.hourNowFormat.format(nowMs).split(':').map(Number)
    return { hour: hour! % 24, minute: minute! }
  }

  /** An hour of the store's day (9 AM, 09). The hours are store-local already: formatted as UTC. */
  hour(hour: number): string {
    this.hourFormat ??= new Intl.DateTimeFormat(this.locale, { timeZone: 'UTC', hour: 'numeric' })
    return this.hourFormat.format(Date.UTC(2000, 0, 1, hour))
  }

  /** A YYYY-MM-DD date in words (Sunday, November 29, 2026). */
  day(date: string): string {
    this.dayFormat ??= new Intl.DateTimeFormat(this.locale, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
    return this.dayFormat.format(Date.parse(`${date}T00:00:00Z`))
  }

  /** A date, short (Sun, Nov 22). */
  shortDay(date: string): string {
    this.shortDayFormat ??= new Intl.DateTimeFormat(this.locale, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' })
    return this.shortDayFormat.format(Date.parse(`${date}T00:00:00Z`))
  }

  /** The weekday of a date (Sunday). */
  weekday(date: string): string {
    this.weekdayFormat ??= new Intl.DateTimeFormat(this.locale, { timeZone: 'UTC', weekday: 'long' })
    return this.weekdayFormat.format(Date.parse(`${date}T00:00:00Z`))
  }

  /** How long ago an instant was (12 sec. ago, 3 min. ago, yesterday). */
  ago(iso: string, nowMs: number): string {
    this.relative ??= new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto', style: 'short' })
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

/**
 * Makes (and drops) a money and a date formatter of the locale: the first in a locale loads its
 * ICU data, tens of milliseconds on a slow CPU, better spent while the first requests are out.
 */
export function warmUpFormats(locale: string, currency: string): void {
  try {
    new Intl.NumberFormat(locale, { style: 'currency', currency }).format(1)
    new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short' }).format(0)
  } catch {
    // A template not filled in (the page opened from the build folder): nothing to warm up.
  }
}
