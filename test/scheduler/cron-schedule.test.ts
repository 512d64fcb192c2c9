import { describe, expect, it } from 'vitest'
import { CronSchedule } from '../../src/scheduler/cron-schedule.js'

const due = (schedule: CronSchedule, fromIso: string, toIso: string): string[] => {
  const out: string[] = []
  for (let m = Date.parse(fromIso); m <= Date.parse(toIso); m += 60_000) if (schedule.dueAt(m)) out.push(new Date(m).toISOString())
  return out
}

describe('CronSchedule', () => {
  it("matches on the zone's wall clock", () => {
    const daily = new CronSchedule('30 23 * * *', 'America/New_York')
    // 23:30 in New York (EDT) is 03:30 UTC the next day.
    expect(due(daily, '2025-05-01T12:00:00Z', '2025-05-03T00:00:00Z')).toEqual(['2025-05-02T03:30:00.000Z'])
  })

  it('runs a time the spring-forward jump skips right after the jump, once', () => {
    // 9 March 2025 in New York: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that day.
    const schedule = new CronSchedule('30 2 * * *', 'America/New_York')
    expect(due(schedule, '2025-03-08T00:00:00Z', '2025-03-11T00:00:00Z')).toEqual([
      '2025-03-08T07:30:00.000Z', // 02:30 EST
      '2025-03-09T07:00:00.000Z', // 03:00 EDT, the first minute after the jump
      '2025-03-10T06:30:00.000Z', // 02:30 EDT
    ])
  })

  it('runs a time the fall-back hour repeats only once', () => {
    // 2 November 2025 in New York: 01:00-01:59 happens twice (EDT, then EST).
    const schedule = new CronSchedule('30 1 * * *', 'America/New_York')
    expect(due(schedule, '2025-11-02T00:00:00Z', '2025-11-03T00:00:00Z')).toEqual(['2025-11-02T05:30:00.000Z'])
    const every15 = new CronSchedule('*/15 * * * *', 'America/New_York')
    // Across the repeated hour there are 4 + 0 runs in the second 01:xx, not 8.
    expect(due(every15, '2025-11-02T05:00:00Z', '2025-11-02T06:59:00Z')).toHaveLength(4)
  })

  it('day of month OR day of week when both are given; L is the last day', () => {
    const either = new CronSchedule('0 12 1 * 1', 'UTC') // the 1st, or any Monday
    expect(due(either, '2025-09-01T00:00:00Z', '2025-09-10T00:00:00Z')).toEqual(['2025-09-01T12:00:00.000Z', '2025-09-08T12:00:00.000Z'])
    const last = new CronSchedule('0 23 L * *', 'UTC')
    expect(due(last, '2024-02-27T00:00:00Z', '2024-03-02T00:00:00Z')).toEqual(['2024-02-29T23:00:00.000Z'])
  })

  it('finds the last due minute (a run missed while stopped)', () => {
    const schedule = new CronSchedule('0 9 * * *', 'Europe/Paris')
    expect(new Date(schedule.lastDueIn(Date.parse('2025-05-30T00:00:00Z'), Date.parse('2025-06-01T10:00:00Z'))!).toISOString()).toBe('2025-06-01T07:00:00.000Z')
  })
})
