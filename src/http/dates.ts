import { ID_PATTERN } from '../contract/ids.js'
import { isCalendarDate } from '../util/calendar-date.js'
import { wallClockIn, type WallClock } from '../util/zoned-time.js'
import type { AppDeps } from './app-deps.js'
import type { DayView } from './live/live-day-hub.js'
import { MedallionError } from '../errors.js'

/** The `store_id` query parameter of the store-scoped routes (default: the config's store). */
export const STORE_ID_PARAMETER = { type: 'string', pattern: ID_PATTERN.source } as const

/** The store a request asks about. */
export function storeOf(deps: Pick<AppDeps, 'storeId'>, query: { store_id?: string }): string {
  return query.store_id ?? deps.storeId
}

/** The store-day a request asks about: `store_id` (default: the config's store), `date` (default: its today). */
export function storeDayOf(
  deps: Pick<AppDeps, 'storeId' | 'timeZoneOf' | 'now'>,
  query: { store_id?: string; date?: string },
): [storeId: string, date: string] {
  const storeId = storeOf(deps, query)
  return [storeId, query.date === undefined ? storeToday(deps, storeId) : checkDate('date', query.date)]
}

/** The store's wall clock now. */
export function storeClock(deps: Pick<AppDeps, 'timeZoneOf' | 'now'>, storeId: string): WallClock {
  return wallClockIn(deps.timeZoneOf(storeId), deps.now())
}

/** Today's date on the store's wall clock. */
export function storeToday(deps: Pick<AppDeps, 'storeId' | 'timeZoneOf' | 'now'>, storeId = deps.storeId): string {
  return storeClock(deps, storeId).date
}

/** A YYYY-MM-DD that names a real day, or a 400 naming the parameter. */
export function checkDate(name: string, value: string): string {
  if (!isCalendarDate(value)) throw new MedallionError('BAD_REQUEST', `${name} must be a date YYYY-MM-DD, got '${value}'`)
  return value
}

/** Days from one date to another, inclusive. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1
}

/** How many top products the staff page's day view carries. */
export const DAY_VIEW_TOP_PRODUCTS = 10

/**
 * The totals of a store-day; for today, last week's comparison stops at the same time of day.
 */
export function dayTotals(deps: Pick<AppDeps, 'timeZoneOf' | 'now' | 'totals'>, storeId: string, date: string): ReturnType<AppDeps['totals']> {
  const clock = storeClock(deps, storeId)
  return deps.totals(storeId, date, clock.date === date ? clock : undefined)
}

/** What the staff page shows of a store-day: its totals and its top products (GET /api/v1/day, the live `day` event). */
export function dayView(deps: Pick<AppDeps, 'timeZoneOf' | 'now' | 'day' | 'stockPosition'>, storeId: string, date: string): DayView {
  const clock = storeClock(deps, storeId)
  return { ...deps.day(storeId, date, clock.date === date ? clock : undefined, DAY_VIEW_TOP_PRODUCTS), stock: deps.stockPosition(storeId, date) }
}
