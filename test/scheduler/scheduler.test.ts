import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { JobRunRecord, JobRunStore } from '../../src/scheduler/job-run-store.js'
import { Scheduler } from '../../src/scheduler/scheduler.js'
import { FakeClock } from '../helpers/fake-clock.js'

class MemoryStore implements JobRunStore {
  readonly runs = new Map<string, JobRunRecord>()
  get(name: string): JobRunRecord | null {
    return this.runs.get(name) ?? null
  }
  markScheduled(name: string, scheduledFor: string): void {
    this.runs.set(name, { ...(this.runs.get(name) ?? { startedAt: '', durationMs: 0, outcome: 'ok', summary: null }), scheduledFor })
  }
  record(name: string, run: JobRunRecord): void {
    this.runs.set(name, run)
  }
}

const logger = pino({ level: 'silent' })

describe('Scheduler (injected clock)', () => {
  it("runs a job at its minutes, in the store's zone", async () => {
    const clock = new FakeClock(Date.parse('2025-05-01T00:00:30Z'))
    const runs: string[] = []
    const scheduler = new Scheduler({ timeZone: 'Europe/Paris', clock, logger, store: new MemoryStore() })
    scheduler.add({ name: 'close', cron: '55 23 * * *', run: async () => void runs.push(new Date(clock.now()).toISOString()) })
    scheduler.start()
    await clock.advance(2 * 86_400_000)
    expect(runs).toEqual(['2025-05-01T21:55:00.000Z', '2025-05-02T21:55:00.000Z'])
    await scheduler.stop()
  })

  it('a job run note that cannot be written (a full disk: SQLITE_FULL) does not stop the scheduler or its jobs', async () => {
    const clock = new FakeClock(Date.parse('2025-05-01T00:00:00Z'))
    const full = new MemoryStore()
    let writable = true
    const store: JobRunStore = {
      get: (name) => full.get(name),
      markScheduled: (name, at) =>
        writable
          ? full.markScheduled(name, at)
          : (() => {
              throw new Error('SQLITE_FULL: database or disk is full')
            })(),
      record: (name, run) =>
        writable
          ? full.record(name, run)
          : (() => {
              throw new Error('SQLITE_FULL: database or disk is full')
            })(),
    }
    let runs = 0
    const scheduler = new Scheduler({ timeZone: 'UTC', clock, logger, store })
    scheduler.add({ name: 'every-minute', cron: '* * * * *', run: async () => void runs++ })
    scheduler.start()
    writable = false
    await clock.advance(3 * 60_000)
    expect(runs).toBe(3)
    expect(scheduler.status()[0]).toMatchObject({ running: false })
    writable = true
    await clock.advance(60_000)
    expect(runs).toBe(4)
    expect(full.get('every-minute')).toMatchObject({ scheduledFor: '2025-05-01T00:04:00.000Z', outcome: 'ok' })
    await scheduler.stop()
  })

  it('never runs one job twice at once: a run due while the last still runs is skipped and counted', async () => {
    const clock = new FakeClock(Date.parse('2025-05-01T00:00:00Z'))
    let release: () => void = () => {}
    let started = 0
    const scheduler = new Scheduler({ timeZone: 'UTC', clock, logger, store: new MemoryStore() })
    scheduler.add({
      name: 'slow',
      cron: '* * * * *',
      run: () => {
        started++
        return new Promise<void>((resolve) => (release = resolve))
      },
    })
    scheduler.start()
    await clock.advance(5 * 60_000)
    expect(started).toBe(1)
    expect(scheduler.status()[0]).toMatchObject({ running: true, skippedOverlaps: 4 })
    release()
    await clock.advance(60_000)
    expect(started).toBe(2)
    release()
    await scheduler.stop()
  })

  it('catches up a run missed while stopped, once, and records outcomes', async () => {
    const store = new MemoryStore()
    const clock = new FakeClock(Date.parse('2025-05-01T20:00:00Z'))
    const first = new Scheduler({ timeZone: 'UTC', clock, logger, store })
    first.add({ name: 'close', cron: '55 23 * * *', run: async () => 'first' })
    first.start()
    await clock.advance(4 * 3_600_000) // runs at 23:55 on 1 May
    await first.stop()
    expect(store.get('close')).toMatchObject({ scheduledFor: '2025-05-01T23:55:00.000Z', outcome: 'ok', summary: '"first"' })

    // Down from 2 May 00:00 to 3 May 09:00: the close of 2 May was missed.
    await clock.advance(33 * 3_600_000)
    const runs: string[] = []
    const second = new Scheduler({ timeZone: 'UTC', clock, logger, store })
    second.add({
      name: 'close',
      cron: '55 23 * * *',
      run: async () => {
        runs.push(new Date(clock.now()).toISOString())
        throw new Error('upload refused')
      },
    })
    second.start()
    await clock.advance(60_000)
    expect(runs).toEqual(['2025-05-03T09:00:00.000Z'])
    expect(store.get('close')).toMatchObject({ scheduledFor: '2025-05-02T23:55:00.000Z', outcome: 'failed', summary: 'upload refused' })
    await second.stop()
  })

  it('does not run a job at its first start just because it has no history', async () => {
    const clock = new FakeClock(Date.parse('2025-05-01T09:00:00Z'))
    let runs = 0
    const scheduler = new Scheduler({ timeZone: 'UTC', clock, logger, store: new MemoryStore() })
    scheduler.add({ name: 'close', cron: '55 23 * * *', run: async () => void runs++ })
    scheduler.start()
    await clock.advance(60_000)
    expect(runs).toBe(0)
    await scheduler.stop()
  })
})
