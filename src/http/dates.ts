import { dateIn, isCalendarDate } from '../util/calendar-date.js'
import type { AppDeps } from './app.js'
import { HttpError } from './http-error.js'

/** Today's date on the store's wall clock. */
export function storeToday(deps: Pick<AppDeps, 'storeId' | 'timeZoneOf' | 'now'>): string {
  return dateIn(deps.timeZoneOf(deps.storeId), deps.now())
}

/** A YYYY-MM-DD that names a real day, or a 400 naming the parameter. */
export function checkDate(name: string, value: string): string {
  if (!isCalendarDate(value)) throw new HttpError(400, 'BAD_REQUEST', `${name} must be a date YYYY-MM-DD, got '${value}'`)
  return value
}

/** Days from one date to another, inclusive. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1
}
