import { describe, expect, it } from 'vitest'
import { serialized } from '../../src/util/serialized.js'

describe('serialized: one run at a time, and one more for callers that came during it', () => {
  it('never overlaps, and a call during a run gets a run that starts after it', async () => {
    const log: string[] = []
    let runs = 0
    let release: (() => void) | undefined
    const ship = serialized(async () => {
      const run = ++runs
      log.push(`start ${run}`)
      await new Promise<void>((resolve) => (release = resolve))
      log.push(`end ${run}`)
      return run
    })
    const first = ship()
    const second = ship() // came while run 1 was in flight: it must get run 2
    const third = ship() // shares run 2
    expect(log).toEqual(['start 1'])
    release!()
    expect(await first).toBe(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(log).toEqual(['start 1', 'end 1', 'start 2'])
    release!()
    expect([await second, await third]).toEqual([2, 2])
    expect(runs).toBe(2)
  })

  it('a failed run does not stop the next one', async () => {
    let calls = 0
    const flaky = serialized(async () => {
      calls++
      await new Promise((resolve) => setImmediate(resolve))
      if (calls === 1) throw new Error('boom')
      return calls
    })
    const first = flaky()
    const second = flaky()
    await expect(first).rejects.toThrow('boom')
    expect(await second).toBe(2)
  })
})
