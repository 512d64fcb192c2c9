import type { TopProduct, Totals } from '../../gold/gold-reader.js'
import { afterPaint, byId, el, fill } from './dom.js'
import type { Formats } from './format.js'
import type { HourlyChart, HourPoint } from './hourly-chart.js'

/**
 * Renders a store-day: the totals in large type with last week's comparison, sales by hour (chart
 * and table), by category and region, and the top products. Raw values ride along in data-value
 * attributes, so that a test compares the page with the API to the cent.
 */
export class DayView {
  private chart: HourlyChart | undefined
  private hours: [Formats, HourPoint[], HourPoint[], number | undefined] | undefined
  private renders = 0

  private chartLoading: Promise<void> | undefined

  render(formats: Formats, totals: Totals, products: TopProduct[], isToday: boolean, nowMs: number): void {
    this.renderTotals(formats, totals, isToday)
    // The breakdowns once the totals are on screen: on a slow till the figures come first. A newer
    // day rendered meanwhile wins (the sequence number).
    const sequence = ++this.renders
    afterPaint(() => {
      if (sequence !== this.renders) return
      this.renderHours(formats, totals, isToday ? formats.hourNow(nowMs) : undefined)
      this.renderBars(
        byId('by-category'),
        formats,
        totals.by_category.map((row) => ({ name: row.category, amount: row.amount, count: row.count })),
      )
      this.renderBars(
        byId('by-region'),
        formats,
        totals.by_region.map((row) => ({ name: row.region, amount: row.amount, count: row.count })),
      )
      this.renderProducts(formats, products)
    })
  }

  private renderTotals(formats: Formats, totals: Totals, isToday: boolean): void {
    byId('total-label').textContent = isToday ? 'Sales today' : `Sales on ${formats.day(totals.date)}`
    setValue('total-amount', formats.money(totals.total_amount), totals.total_amount)
    setValue('sales-count', formats.count(totals.sales_count), totals.sales_count)
    setValue('order-count', formats.count(totals.order_count), totals.order_count)
    setValue('avg-order', formats.money(totals.avg_order_amount), totals.avg_order_amount)
    const last = totals.last_week
    const compare = byId('vs-last-week')
    const base = last.same_time_amount
    const change = formats.change(totals.total_amount, base)
    const against = isToday ? `same time last ${formats.weekday(last.date)}` : formats.shortDay(last.date)
    if (change === undefined) {
      compare.replaceChildren(`No sales ${isToday ? 'by this time ' : ''}on ${formats.shortDay(last.date)} to compare with`)
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
    byId('legend-today').textContent = isToday ? 'Today' : formats.shortDay(totals.date)
    byId('legend-last').textContent = formats.shortDay(last.date)
  }

  private renderHours(formats: Formats, totals: Totals, upToHour: number | undefined): void {
    this.hours = [formats, totals.by_hour, totals.last_week.by_hour, upToHour]
    // The chart library is a chunk of its own (preloaded by the HTML), run only once the figures are up.
    this.chartLoading ??= import('./hourly-chart.js').then(({ HourlyChart }) => {
      this.chart = new HourlyChart(byId('hourly-chart'))
    })
    void this.chartLoading.then(() => this.hours && this.chart!.render(...this.hours))
    const today = new Map(totals.by_hour.map((row) => [row.hour, row.amount]))
    const last = new Map(totals.last_week.by_hour.map((row) => [row.hour, row.amount]))
    const hours = [...new Set([...today.keys(), ...last.keys()])].sort((a, b) => a - b)
    byId('hourly-col-today').textContent = byId('legend-today').textContent
    byId('hourly-col-last').textContent = formats.shortDay(totals.last_week.date)
    fill(
      byId('hourly-table').querySelector('tbody')!,
      hours.map((hour) => {
        const row = el('tr')
        row.append(
          el('th', undefined, formats.hour(hour)),
          el('td', 'num', formats.money(today.get(hour) ?? 0)),
          el('td', 'num', formats.money(last.get(hour) ?? 0)),
        )
        row.firstElementChild!.setAttribute('scope', 'row')
        return row
      }),
    )
    const busiest = totals.by_hour.reduce<(typeof totals.by_hour)[number] | undefined>(
      (best, row) => (best === undefined || row.amount > best.amount ? row : best),
      undefined,
    )
    byId('hourly-summary').textContent = busiest
      ? `Busiest hour: ${formats.hour(busiest.hour)} with ${formats.money(busiest.amount)}. ${hours.length} hours with sales; the table below has each.`
      : 'No sales by hour yet.'
  }

  private renderBars(list: HTMLElement, formats: Formats, rows: { name: string; amount: number; count: number }[]): void {
    if (rows.length === 0) {
      fill(list, [el('li', 'empty', 'No sales')])
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
        item.append(el('span', 'name', row.name), amount, track, el('span', 'count', `${formats.count(row.count)} ${row.count === 1 ? 'sale' : 'sales'}`))
        return item
      }),
    )
  }

  private renderProducts(formats: Formats, products: TopProduct[]): void {
    const list = byId('top-products')
    if (products.length === 0) {
      fill(list, [el('li', 'empty', 'No sales')])
      return
    }
    fill(
      list,
      products.map((product) => {
        const item = el('li')
        const amount = el('span', 'amount', formats.money(product.amount))
        amount.dataset.value = String(product.amount)
        item.append(
          el('span', 'rank', String(product.rank)),
          el('span', 'name', product.product_name),
          amount,
          el('span', 'detail', `${formats.count(product.units)} ${product.units === 1 ? 'unit' : 'units'} · ${product.category}`),
        )
        return item
      }),
    )
  }
}

function setValue(id: string, text: string, value: number): void {
  const element = byId(id)
  element.textContent = text
  element.dataset.value = String(value)
}
