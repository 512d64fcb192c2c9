import { describe, expect, it } from 'vitest'
import { addDays } from '../../src/util/calendar-date.js'
import { startOfDayIn, wallClockIn } from '../../src/util/zoned-time.js'

describe('store calendar', () => {
  it.each([
    ['UTC', '2025-05-01', '2025-05-01T00:00:00.000Z'],
    ['America/New_York', '2025-03-09', '2025-03-09T05:00:00.000Z'], // spring forward at 02:00
    ['America/New_York', '2025-11-02', '2025-11-02T04:00:00.000Z'], // fall back at 02:00
    ['Asia/Kolkata', '2025-05-01', '2025-04-30T18:30:00.000Z'],
    ['Pacific/Kiritimati', '2025-01-01', '2024-12-31T10:00:00.000Z'],
    // DST starts at midnight: the day begins at 01:00.
    ['America/Santiago', '2024-09-08', '2024-09-08T04:00:00.000Z'],
    ['America/Havana', '2025-03-09', '2025-03-09T05:00:00.000Z'],
  ])('the day %s %s starts at %s', (zone, date, start) => {
    const ms = startOfDayIn(zone, date)
    expect(new Date(ms).toISOString()).toBe(start)
    expect(wallClockIn(zone, ms).date).toBe(date)
    expect(wallClockIn(zone, ms - 1).date).toBe(addDays(date, -1))
  })

  it('wall clock and day arithmetic', () => {
    expect(wallClockIn('America/New_York', Date.parse('2025-05-02T02:30:00Z'))).toMatchObject({
      date: '2025-05-01',
      month: 5,
      day: 1,
      hour: 22,
      minute: 30,
      weekday: 4,
      monthDays: 31,
    })
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28')
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01')
    expect(addDays('2025-05-01', -7)).toBe('2025-04-24')
  })
})
