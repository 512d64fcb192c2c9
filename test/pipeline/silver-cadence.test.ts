import { describe, expect, it } from 'vitest'
import { SilverCadence, type BatchResult } from '../../src/pipeline/silver-cadence.js'
import { FakeClock } from '../helpers/fake-clock.js'

/** A cadence over a fake clock whose batches return what the test queues (then 'idle'), recording when they ran. */
function cadenceWith(results: BatchResult[], options = { delayMs: 10, pollMs: 1000 }): { cadence: SilverCadence; clock: FakeClock; ranAt: number[] } {
  const clock = new FakeClock(0)
  const ranAt: number[] = []
  const cadence = new SilverCadence(
    () => {
      ranAt.push(clock.now())
      return results.shift() ?? 'idle'
    },
    clock,
    options,
  )
  return { cadence, clock, ranAt }
}

describe('SilverCadence: when the silver thread runs a batch', () => {
  it('runs delayMs after a commit; commits meanwhile join that batch instead of putting it off', async () => {
    const { cadence, clock, ranAt } = cadenceWith([])
    cadence.committed()
    for (let t = 0; t < 9; t++) {
      await clock.advance(1)
      cadence.committed()
    }
    expect(ranAt).toEqual([])
    await clock.advance(1)
    expect(ranAt).toEqual([10])
  })

  it('under sustained ingest (a commit every millisecond) runs a batch every delayMs', async () => {
    const { cadence, clock, ranAt } = cadenceWith([])
    for (let t = 0; t < 35; t++) {
      cadence.committed()
      await clock.advance(1)
    }
    expect(ranAt).toEqual([10, 20, 30])
  })

  it('a commit told while a batch is already due gets a batch that starts after it', async () => {
    const { cadence, clock, ranAt } = cadenceWith(['more', 'idle'])
    cadence.committed()
    await clock.advance(5)
    // At 5, with a batch due at 10: the broker thread skips telling later commits for delayMs, so
    // a batch must start after them too. One more runs delayMs after the chain (10, 10) ends.
    cadence.committed()
    await clock.advance(30)
    expect(ranAt).toEqual([10, 10, 20])
  })

  it('goes on at once while batches find rows, and stops looking when one finds none', async () => {
    const { cadence, clock, ranAt } = cadenceWith(['more', 'more', 'idle'])
    cadence.committed()
    await clock.advance(50)
    expect(ranAt).toEqual([10, 10, 10])
  })

  it('without commits, starts at once and then polls every pollMs', async () => {
    const { cadence, clock, ranAt } = cadenceWith([], { delayMs: 10, pollMs: 100 })
    cadence.start()
    await clock.advance(350)
    expect(ranAt).toEqual([0, 100, 200, 300])
  })

  it('a batch stopped by a rule stops it until resume; close ends everything', async () => {
    const { cadence, clock, ranAt } = cadenceWith(['stopped', 'more'], { delayMs: 2, pollMs: 100 })
    cadence.start()
    await clock.advance(1)
    expect(ranAt).toEqual([0])
    cadence.committed()
    await clock.advance(300)
    expect(ranAt).toEqual([0]) // neither commits nor the poll run a stopped silver
    cadence.resume()
    await clock.advance(1)
    expect(ranAt).toEqual([0, 301, 301])
    cadence.close()
    cadence.committed()
    await clock.advance(1000)
    expect(ranAt).toEqual([0, 301, 301])
  })
})
