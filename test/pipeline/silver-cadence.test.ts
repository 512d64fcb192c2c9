import { describe, expect, it } from 'vitest'
import { SilverCadence, type BatchResult } from '../../src/pipeline/silver-cadence.js'
import { FakeClock } from '../helpers/fake-clock.js'

/** A cadence over a fake clock whose batches return what the test queues (then 'idle'), recording when they ran. */
function cadenceWith(results: BatchResult[], options = { idleMs: 2, pollMs: 1000 }): { cadence: SilverCadence; clock: FakeClock; ranAt: number[] } {
  const clock = new FakeClock(0)
  const ranAt: number[] = []
  const cadence = new SilverCadence(() => {
    ranAt.push(clock.now())
    return results.shift() ?? 'idle'
  }, clock, options)
  return { cadence, clock, ranAt }
}

describe('SilverCadence: when the pipeline thread runs silver', () => {
  it('runs once bronze has been quiet for idleMs; commits inside that gap put it off', async () => {
    const { cadence, clock, ranAt } = cadenceWith([])
    cadence.committed()
    await clock.advance(1)
    cadence.committed() // at 1: the gap starts again
    await clock.advance(1) // at 2: the timer finds a commit 1 ms ago, waits again
    expect(ranAt).toEqual([])
    await clock.advance(2)
    expect(ranAt).toEqual([4])
  })

  it('goes on at once while batches find rows, and stops looking when one finds none', async () => {
    const { cadence, clock, ranAt } = cadenceWith(['more', 'more', 'idle'])
    cadence.committed()
    await clock.advance(50)
    expect(ranAt).toEqual([2, 4, 6])
  })

  it('under sustained ingest (a commit every millisecond) the poll still runs a batch every pollMs', async () => {
    const { cadence, clock, ranAt } = cadenceWith([], { idleMs: 2, pollMs: 100 })
    cadence.start()
    for (let t = 0; t < 350; t++) {
      cadence.committed()
      await clock.advance(1)
    }
    expect(ranAt).toEqual([100, 200, 300])
  })

  it('a batch stopped by a rule stops it until resume; close ends everything', async () => {
    const { cadence, clock, ranAt } = cadenceWith(['stopped', 'more'], { idleMs: 2, pollMs: 100 })
    cadence.start()
    await clock.advance(2)
    expect(ranAt).toEqual([2])
    cadence.committed()
    await clock.advance(300)
    expect(ranAt).toEqual([2]) // neither commits nor the poll run a stopped silver
    cadence.resume()
    await clock.advance(4)
    expect(ranAt).toEqual([2, 304, 306])
    cadence.close()
    cadence.committed()
    await clock.advance(1000)
    expect(ranAt).toEqual([2, 304, 306])
  })
})
