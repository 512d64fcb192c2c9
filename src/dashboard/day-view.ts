import type { TopProduct, Totals } from '../gold/gold-reader.js'
import { describeComparison, type CompareKey } from './comparison.js'
import { afterPaint, byId, el, fill, fillList } from './dom.js'
import { fitFiguresIn } from './fit-text.js'
import type { Formats } from './format.js'
import type { HourlyChart, HourPoint } from './hourly-chart.js'

/** gold's region of a sale without a customer: said as what it means. */
const REGION_NAMES: Record<string, string> = { Anonymous: 'No customer given', Unknown: 'Customer not synced yet' }

/** What the shown day is: today (up to the store's hour and minute now) or a whole past day. */
export interface DayClock {
  isToday: boolean
  hour: number
  minute: number
}

/**
 * Renders a store-day: the totals in large type with the chosen comparison, sales by hour (chart
 * and table), by category and region, and the top products. Raw values ride along in data-value
 * attributes, so that a test compares the page with the API to the cent.
 */
export class DayView {
  private chart: HourlyChart | undefined
  private hours: Parameters<HourlyChart['render']> | undefined
  private renders = 0
  private chartLoading: Promise<void> | undefined
  private readonly fitFigures = fitFiguresIn(byId('kpis'), '.kpi-value')

  render(formats: Formats, totals: Totals, products: TopProduct[], clock: DayClock, compareKey: CompareKey): void {
    const comparison = totals.compare[compareKey]
    const names = describeComparison(formats, compareKey, comparison, clock.isToday)
    this.renderTotals(formats, totals, clock.isToday, comparison.same_time_amount, comparison.dates, names.against)
    byId('legend-today').textContent = clock.isToday ? 'Today' : formats.shortDay(totals.date)
    byId('legend-last').textContent = names.legend
    // The breakdowns once the totals are on screen: on a slow till the figures come first. A newer
    // day rendered meanwhile wins (the sequence number).
    const sequence = ++this.renders
    afterPaint(() => {
      if (sequence !== this.renders) return
      this.renderHours(formats, totals.by_hour, comparison.by_hour, clock, names.legend)
      const none = clock.isToday ? 'No sales yet' : 'No sales on this day'
      this.renderBars(
        byId('by-category'),
        formats,
        totals.by_category.map((row) => ({ name: row.category, amount: row.amount, count: row.count })),
        none,
      )
      this.renderBars(
        byId('by-region'),
        formats,
        totals.by_region.map((row) => ({ name: REGION_NAMES[row.region] ?? row.region, amount: row.amount, count: row.count })),
        none,
      )
      this.renderProducts(formats, products, none)
    })
  }

  private renderTotals(formats: Formats, totals: Totals, isToday: boolean, base: number, baseDates: string[], against: string): void {
    byId('total-label').textContent = isToday ? 'Sales today' : `Sales on ${formats.day(totals.date)}`
    setValue('total-amount', formats.money(totals.total_amount), totals.total_amount)
    // The day's figure is net, as the till's Z report: gross and returns beside it.
    setValue('gross-detail', `${formats.money(totals.gross_amount)} gross`, totals.gross_amount)
    setValue(
      'returns-detail',
      totals.returns_count === 0
        ? '· no returns'
        : `· ${formats.money(-totals.returns_amount)} in ${formats.count(totals.returns_count)} ${totals.returns_count === 1 ? 'return' : 'returns'}`,
      totals.returns_amount,
    )
    setValue('voids-detail', `${formats.count(totals.voids_count)} ${totals.voids_count === 1 ? 'line' : 'lines'} voided`, totals.voids_count)
    setValue('sales-count', formats.count(totals.sales_count), totals.sales_count)
    byId('sales-count-unit').textContent = totals.sales_count === 1 ? 'sale line' : 'sale lines'
    setValue('order-count', formats.count(totals.order_count), totals.order_count)
    setValue('avg-order', formats.money(totals.avg_order_amount), totals.avg_order_amount)
    const basket = totals.order_count > 0 ? totals.units / totals.order_count : 0
    setValue('basket', totals.order_count > 0 ? formats.decimal(basket) : '–', Math.round(basket * 100) / 100)
    const compare = byId('vs-last-week')
    const change = formats.change(totals.total_amount, base)
    if (change === undefined) {
      compare.replaceChildren(
        `No sales ${isToday ? 'by this time ' : ''}on ${baseDates.length > 1 ? 'those days' : formats.shortDay(baseDates[0]!)} to compare with`,
      )
    } else {
      const direction = totals.total_amount >= base ? 'up' : 'down'
      compare.replaceChildren(el('span', direction, change), ` vs ${against} (${formats.money(base)})`)
    }
    compare.dataset.value = String(base)
    byId('as-of').textContent = totals.pruned_at
      ? "This day is no longer kept on the gateway (older than its retention): central's lake has its figures"
      : totals.as_of
        ? `Figures as of ${formats.time(totals.as_of)}`
        : 'No figures computed yet'
    this.fitFigures()
  }

  private renderHours(formats: Formats, today: HourPoint[], other: HourPoint[], clock: DayClock, otherName: string): void {
    // Today's current hour is not over: the other day counts up to the same minute of it (the
    // totals' comparison does the same), and its later hours are not drawn against nothing.
    const prorated = (rows: HourPoint[]): HourPoint[] =>
      clock.isToday
        ? rows
            .filter((row) => row.hour <= clock.hour)
            .map((row) => (row.hour === clock.hour ? { hour: row.hour, amount: formats.roundMoney((row.amount * clock.minute) / 60) } : row))
        : rows
    const otherSoFar = prorated(other)
    const empty = today.length === 0 && otherSoFar.every((row) => row.amount === 0)
    byId('hourly-chart').hidden = empty
    byId('hourly-empty').hidden = !empty
    byId('hourly-empty').textContent = clock.isToday ? 'No sales yet' : 'No sales on this day'
    if (!empty) {
      this.hours = [formats, today, otherSoFar, clock.isToday ? clock.hour : undefined]
      // The chart library is a chunk of its own (preloaded by the HTML), run only once the figures are up.
      this.chartLoading ??= import('./hourly-chart.js').then(({ HourlyChart }) => {
        this.chart = new HourlyChart(byId('hourly-chart'))
      })
      void this.chartLoading.then(() => this.hours && this.chart!.render(...this.hours))
    }
    const todayByHour = new Map(today.map((row) => [row.hour, row.amount]))
    const otherByHour = new Map(otherSoFar.map((row) => [row.hour, row.amount]))
    // Today's table ends with the hour now ("so far"), sales in it or not yet.
    const hours = [...new Set([...todayByHour.keys(), ...otherByHour.keys(), ...(clock.isToday ? [clock.hour] : [])])].sort((a, b) => a - b)
    byId('hourly-col-today').textContent = byId('legend-today').textContent
    byId('hourly-col-last').textContent = otherName
    fill(
      byId('hourly-table').querySelector('tbody')!,
      hours.map((hour) => {
        const row = el('tr')
        const label = clock.isToday && hour === clock.hour ? `${formats.hour(hour)}, so far` : formats.hour(hour)
        row.append(
          el('th', undefined, label),
          el('td', 'num', formats.money(todayByHour.get(hour) ?? 0)),
          el('td', 'num', formats.money(otherByHour.get(hour) ?? 0)),
        )
        row.firstElementChild!.setAttribute('scope', 'row')
        return row
      }),
    )
    const busiest = today.reduce<HourPoint | undefined>((best, row) => (best === undefined || row.amount > best.amount ? row : best), undefined)
    byId('hourly-summary').textContent = busiest
      ? `Busiest hour: ${formats.hour(busiest.hour)} with ${formats.money(busiest.amount)}. ${today.length} hours with sales; the table below has each.`
      : 'No sales by hour yet.'
  }

  private renderBars(list: HTMLElement, formats: Formats, rows: { name: string; amount: number; count: number }[], none: string): void {
    if (rows.length === 0) {
      fill(list, [el('li', 'empty', none)])
      return
    }
    const max = Math.max(...rows.map((row) => row.amount), 0)
    fill(
      list,
      rows.map((row) => {
        const item = el('li')
        const track = el('span', 'track')
        const bar = el('span', 'fill')
        bar.style.width = `${max > 0 ? (100 * row.amount) / max : 0}%`
        track.append(bar)
        track.setAttribute('aria-hidden', 'true')
        const amount = el('span', 'amount', formats.money(row.amount))
        amount.dataset.value = String(row.amount)
        item.append(
          el('span', 'name', row.name),
          amount,
          track,
          el('span', 'count', `${formats.count(row.count)} ${row.count === 1 ? 'sale line' : 'sale lines'}`),
        )
        return item
      }),
    )
  }

  private renderProducts(formats: Formats, products: TopProduct[], none: string): void {
    fillList(
      byId('top-products'),
      products,
      (product) => {
        const item = el('li')
        const amount = el('span', 'amount', formats.money(product.amount))
        amount.dataset.value = String(product.amount)
        item.append(
          el('span', 'rank', String(product.rank)),
          el('span', 'name', product.product_name),
          amount,
          el(
            'span',
            'detail',
            `${formats.count(product.units)} ${product.units === 1 ? 'unit' : 'units'}${product.returned_units > 0 ? ` (${formats.count(product.returned_units)} returned)` : ''} · ${product.category}`,
          ),
        )
        return item
      },
      none,
    )
  }
}

function setValue(id: string, text: string, value: number): void {
  const element = byId(id)
  element.textContent = text
  element.dataset.value = String(value)
}
