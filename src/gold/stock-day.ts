/** One product's stock as it stands at an instant (docs/inventory.md, "How stock is computed"). */
export interface StockState {
  onHand: number
  /** Stock is known once the product had a count or a receipt: before that, on hand <= 0 is not "out". */
  known: boolean
  /** A count ever: until then on hand started at 0 and is marked uncounted. */
  everCounted: boolean
  lastCountMs: number | null
}

export const NO_STOCK: StockState = { onHand: 0, known: false, everCounted: false, lastCountMs: null }

/** What changes a product's stock: an inventory event, or a sale line (`units` sold; a return's are negative). */
export interface StockEvent {
  tsMs: number
  kind: 'count' | 'receipt' | 'adjustment' | 'sale'
  /** count: the level counted; receipt, adjustment: the signed change; sale: units sold. */
  units: number
}

/** A product's day: gold.fact_inventory's figures before the 7-day average. */
export interface StockDay {
  opening: number
  received: number
  sold: number
  adjusted: number
  /** Counted - expected at each count while the stock was known, summed (negative: units missing). */
  shrink: number
  closing: number
  counted: boolean
  stockoutMs: number
  /** The state at the day's end: the next day's opening. */
  end: StockState
}

/** A count is the level at its instant, after everything else of that instant. */
const ORDER: Record<StockEvent['kind'], number> = { receipt: 0, adjustment: 0, sale: 0, count: 1 }

export function byStockTime(a: StockEvent, b: StockEvent): number {
  return a.tsMs - b.tsMs || ORDER[a.kind] - ORDER[b.kind]
}

/**
 * Walks one product's events of one day in time order (`events` sorted by byStockTime) from the
 * state at the day's start. Stockout time is the time within [startMs, endMs) with on hand <= 0
 * while the stock is known: `endMs` is the day's end for a past day, the last event for today
 * (so a rebuild at another time of today gives the same figures; the day is walked again once it is over).
 */
export function stockDay(start: StockState, events: readonly StockEvent[], startMs: number, endMs: number): StockDay {
  const day = { opening: start.onHand, received: 0, sold: 0, adjusted: 0, shrink: 0, counted: false, stockoutMs: 0 }
  const state = { ...start }
  let at = startMs
  const outUntil = (untilMs: number): void => {
    if (state.known && state.onHand <= 0 && untilMs > at) day.stockoutMs += untilMs - at
    at = Math.max(at, untilMs)
  }
  for (const event of events) {
    outUntil(Math.min(event.tsMs, endMs))
    switch (event.kind) {
      case 'count':
        // Against what was expected; before any count or receipt nothing was: the first count is no shrink.
        if (state.known) day.shrink += event.units - state.onHand
        state.onHand = event.units
        state.known = true
        state.everCounted = true
        state.lastCountMs = event.tsMs
        day.counted = true
        break
      case 'receipt':
        day.received += event.units
        state.onHand += event.units
        state.known = true
        break
      case 'adjustment':
        day.adjusted += event.units
        state.onHand += event.units
        break
      case 'sale':
        day.sold += event.units
        state.onHand -= event.units
        break
    }
  }
  outUntil(endMs)
  return { ...day, closing: state.onHand, end: state }
}
