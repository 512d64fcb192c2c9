import type { Totals } from '../../gold/gold-reader.js'
import type { Formats } from './format.js'

/** What the shown day is compared with; the choice is kept per browser. */
export type CompareKey = 'last_week' | 'yesterday' | 'four_weeks'

export const COMPARE_KEYS: readonly CompareKey[] = ['last_week', 'yesterday', 'four_weeks']
const STORAGE_KEY = 'medallion-edge.compare'

export interface HourAmount {
  hour: number
  amount: number
}

/** A comparison as the API gives it (`totals.compare`; `last_week` alone from an older gateway). */
export interface Comparison {
  dates: string[]
  total_amount: number
  same_time_amount: number
  by_hour: HourAmount[]
  days_with_data?: number
}

type WithCompare = Totals & { compare?: Partial<Record<CompareKey, Comparison>> }

export function savedCompareKey(storage: Storage): CompareKey {
  const saved = storage.getItem(STORAGE_KEY)
  return COMPARE_KEYS.find((key) => key === saved) ?? 'last_week'
}

export function saveCompareKey(storage: Storage, key: CompareKey): void {
  storage.setItem(STORAGE_KEY, key)
}

/** The comparison chosen, or last week's when the gateway has no other. */
export function comparisonOf(totals: Totals, key: CompareKey): { key: CompareKey; comparison: Comparison } {
  const chosen = (totals as WithCompare).compare?.[key]
  if (chosen) return { key, comparison: chosen }
  const last = totals.last_week
  return {
    key: 'last_week',
    comparison: { dates: [last.date], total_amount: last.total_amount, same_time_amount: last.same_time_amount, by_hour: last.by_hour },
  }
}

/** Names a comparison: in the totals' sentence ("same time last Sunday") and in the legend ("Sun, Nov 29"). */
export function describeComparison(formats: Formats, key: CompareKey, comparison: Comparison, isToday: boolean): { against: string; legend: string } {
  const first = comparison.dates[0]!
  if (key === 'four_weeks') {
    const days = `${comparison.dates.length} ${formats.weekday(first)}s`
    return { against: isToday ? `same time, average of the last ${days}` : `the average of the ${days} before`, legend: `Average of ${days}` }
  }
  if (key === 'yesterday') return { against: isToday ? 'same time yesterday' : `the day before (${formats.shortDay(first)})`, legend: formats.shortDay(first) }
  return { against: isToday ? `same time last ${formats.weekday(first)}` : formats.shortDay(first), legend: formats.shortDay(first) }
}
