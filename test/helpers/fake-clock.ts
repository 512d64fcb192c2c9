import { systemClock, type Clock } from '../../src/util/clock.js'

/** A clock that moves only when told to: timers due by then run in time order. */
export class FakeClock implements Clock {
  private timers: { at: number; run: () => void; id: number }[] = []
  private nextId = 1

  constructor(private current: number) {}

  now(): number {
    return this.current
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = this.nextId++
    this.timers.push({ at: this.current + ms, run, id })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle)
  }

  /** Moves time forward, running each timer at its moment (and awaiting what it starts). */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at)
      const timer = this.timers[0]
      if (!timer || timer.at > end) break
      this.timers.shift()
      // What earlier timers started settles first, as it would between real timer callbacks.
      await new Promise((resolve) => setImmediate(resolve))
      this.current = timer.at
      timer.run()
      await new Promise((resolve) => setImmediate(resolve))
    }
    this.current = end
  }
}

/**
 * Real time, read as if it had started at `startMs`: a running gateway keeps its real timers (its
 * threads, flushes and polls go on), while "now" (today, the time of day, received_at) is the
 * test's. It moves on at the real pace, so a test that takes seconds stays in the minute it chose.
 */
export function shiftedClock(startMs: number): Clock {
  const offsetMs = startMs - Date.now()
  return { ...systemClock, now: () => Date.now() + offsetMs }
}
