import type { Comparison } from '../gold/gold-reader.js'
import type { Formats } from './format.js'

/** What the shown day is compared with; the choice is kept per browser. */
export type CompareKey = 'last_week' | 'yesterday' | 'four_weeks'

export const COMPARE_KEYS: readonly CompareKey[] = ['last_week', 'yesterday', 'four_weeks']
const STORAGE_KEY = 'medallion-edge.compare'

export function savedCompareKey(storage: Storage): CompareKey {
  const saved = storage.getItem(STORAGE_KEY)
  return COMPARE_KEYS.find((key) => key === saved) ?? 'last_week'
}

export function saveCompareKey(storage: Storage, key: CompareKey): void {
  storage.setItem(STORAGE_KEY, key)
}

/** Names a comparison: in the totals' sentence ("same time last Sunday") and in the legend ("Sun, Nov 29"). */
export function describeComparison(formats: Formats, key: CompareKey, comparison: Comparison, isToday: boolean): { against: string; legend: string } {
  const first = comparison.dates[0]!
  if (key === 'four_weeks') {
    const days = `${comparison.dates.length} ${formats.weekday(first)}s`
    // A mean over days the gateway has no sales for (before it ran) is said, not hidden.
    const gaps = comparison.days_with_data < comparison.dates.length ? `, ${comparison.days_with_data} of them with sales` : ''
    return { against: `${isToday ? 'same time, average of the last' : 'the average of the'} ${days}${gaps}`, legend: `Average of ${days}` }
  }
  if (key === 'yesterday') return { against: isToday ? 'same time yesterday' : `the day before (${formats.shortDay(first)})`, legend: formats.shortDay(first) }
  return { against: isToday ? `same time last ${formats.weekday(first)}` : formats.shortDay(first), legend: formats.shortDay(first) }
}
