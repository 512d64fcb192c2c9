import type { StockPosition, StockNow } from '../gold/stock-reader.js'
import { byId, el, fillList } from './dom.js'
import type { Formats } from './format.js'

/**
 * The stock panel: what is out of stock and what is running low (docs/inventory.md), today as it
 * stands, a past day as it closed. Hidden for a store without inventory events. It comes with the
 * day's figures (the day view and the live stream), so a sale or a receipt updates it like the totals.
 */
export class StockView {
  /** `admin`: the day's shrink by reason is shown too (a manager's figure, like the voids). */
  render(formats: Formats, stock: StockPosition, isToday: boolean, admin: boolean): void {
    const card = byId('stock-card')
    card.hidden = !stock.tracked
    if (card.hidden) return
    byId('stock-title').textContent = isToday ? 'Stock' : `Stock at the end of ${formats.day(stock.date)}`
    this.renderList(byId('stock-out'), formats, stock.out, stock.date, 'Nothing out of stock')
    this.renderList(byId('stock-low'), formats, stock.low, stock.date, 'Nothing running low')
    byId('shrink-admin').hidden = !admin
    if (admin) this.renderShrink(formats, stock.shrink, isToday ? 'Shrink today' : `Shrink on ${formats.day(stock.date)}`)
  }

  private renderShrink(formats: Formats, shrink: StockPosition['shrink'], title: string): void {
    byId('shrink-title').textContent = title
    fillList(
      byId('shrink'),
      shrink,
      (entry) => {
        const item = el('li')
        const what = entry.source === 'count' ? 'Missing at counts' : entry.reason!.charAt(0).toUpperCase() + entry.reason!.slice(1)
        const lost = Math.abs(entry.units)
        const units = el('span', 'amount', `${formats.count(lost)} unit${lost === 1 ? '' : 's'}${entry.units < 0 ? ' found' : ''}`)
        units.dataset.value = String(entry.units)
        item.dataset.source = entry.source
        const detail =
          entry.source === 'count' ? `counted ${entry.units >= 0 ? 'less' : 'more'} than expected` : entry.units >= 0 ? 'written off' : 'written back'
        item.append(el('span', 'name', what), units, el('span', 'detail', detail))
        return item
      },
      'No shrink',
    )
  }

  private renderList(list: HTMLElement, formats: Formats, products: readonly StockNow[], date: string, none: string): void {
    fillList(
      list,
      products,
      (product) => {
        const item = el('li')
        const units = el('span', 'amount', `${formats.count(product.on_hand)} on hand`)
        units.dataset.value = String(product.on_hand)
        const counted = product.last_count_at === null ? 'never counted' : `counted ${this.when(formats, product.last_count_at, date)}`
        const cover = product.days_of_cover === null || product.out ? '' : ` · ${formats.decimal(product.days_of_cover)} days of cover`
        item.dataset.productId = String(product.product_id)
        item.append(el('span', 'name', product.product_name), units, el('span', 'detail', `${product.category} · ${counted}${cover}`))
        return item
      },
      none,
    )
  }

  /** A count of the shown day by its time, an earlier one by its day (the store's clock). */
  private when(formats: Formats, iso: string, date: string): string {
    const day = formats.dateNow(Date.parse(iso))
    return day === date ? formats.time(iso) : formats.shortDay(day)
  }
}
