import { describe, expect, it } from 'vitest'
import { GoldCadence, type RefreshStep } from '../../src/pipeline/gold-cadence.js'
import { FakeClock } from '../helpers/fake-clock.js'

/** A cadence over a fake clock whose steps return what the test queues (then 'idle'), recording when they ran. */
function cadenceWith(steps: RefreshStep[], options = { refreshIntervalMs: 1000, pollMs: 5000 }): { cadence: GoldCadence; clock: FakeClock; ranAt: number[] } {
  const clock = new FakeClock(0)
  const ranAt: number[] = []
  const cadence = new GoldCadence(
    () => {
      ranAt.push(clock.now())
      return steps.shift() ?? 'idle'
    },
    clock,
    options,
  )
  return { cadence, clock, ranAt }
}

describe('GoldCadence: when the gold thread runs a refresh step', () => {
  it('starts at once (what silver holds from before)', async () => {
    const { cadence, clock, ranAt } = cadenceWith([])
    cadence.start()
    await clock.advance(0)
    expect(ranAt).toEqual([0])
  })

  it('a notice refreshIntervalMs after the last step runs one at once', async () => {
    const { cadence, clock, ranAt } = cadenceWith([])
    cadence.start()
    await clock.advance(1500)
    cadence.silverAdvanced()
    await clock.advance(0)
    expect(ranAt).toEqual([0, 1500])
  })

  it('notices within refreshIntervalMs of the last step make one step, refreshIntervalMs after it', async () => {
    const { cadence, clock, ranAt } = cadenceWith([])
    cadence.start()
    for (let t = 0; t < 20; t++) {
      await clock.advance(100)
      cadence.silverAdvanced()
    }
    // Under sustained ingest (a silver batch every 100 ms): a step every refreshIntervalMs, no more.
    expect(ranAt).toEqual([0, 1000, 2000])
  })

  it('a step that leaves a backlog is followed at once, and the gap comes back when it is done', async () => {
    const { cadence, clock, ranAt } = cadenceWith(['more', 'more', 'idle'])
    cadence.start()
    await clock.advance(10)
    expect(ranAt).toEqual([0, 0, 0])
    cadence.silverAdvanced()
    await clock.advance(2000)
    expect(ranAt).toEqual([0, 0, 0, 1000])
  })

  it('without notices, looks every pollMs (rebuilds and imports by other processes)', async () => {
    const { cadence, clock, ranAt } = cadenceWith([], { refreshIntervalMs: 1000, pollMs: 5000 })
    cadence.start()
    await clock.advance(16_000)
    expect(ranAt).toEqual([0, 5000, 10_000, 15_000])
  })

  it('the poll keeps the gap too: a poll soon after a step waits for refreshIntervalMs', async () => {
    const { cadence, clock, ranAt } = cadenceWith([], { refreshIntervalMs: 1000, pollMs: 5000 })
    cadence.start()
    await clock.advance(4500)
    cadence.silverAdvanced()
    await clock.advance(2000)
    expect(ranAt).toEqual([0, 4500, 5500])
  })

  it('close stops everything: the step due, the poll, later notices', async () => {
    const { cadence, clock, ranAt } = cadenceWith([])
    cadence.start()
    await clock.advance(500)
    cadence.silverAdvanced() // due at 1000
    cadence.close()
    cadence.silverAdvanced()
    await clock.advance(20_000)
    expect(ranAt).toEqual([0])
  })
})
