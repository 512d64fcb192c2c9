import { afterAll, describe, expect, it } from 'vitest'
import { runCrashCycles, type CrashPoint } from '../helpers/crash-cycles.js'
import { makeTempDir } from '../helpers/temp-dir.js'

// A few cycles here; `npm run soak` runs 20 and more, minute boundaries (scheduled jobs) included.
describe('kill -9 at random points, restarted each time: nothing acked lost, every layer still adds up', () => {
  const work = makeTempDir()
  afterAll(() => work.remove())

  it('ingest, silver rebuild, gold rebuild and snapshot export cut short', async () => {
    const points: CrashPoint[] = ['ingest', 'silver-rebuild', 'gold-rebuild', 'snapshot-export']
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000)
    const cycles = await runCrashCycles(work.path, { points, seed })
    expect(cycles.map((cycle) => cycle.point)).toEqual(points)
    expect(cycles.at(-1)!.ackedSoFar, `seed ${seed}`).toBeGreaterThan(500)
    // Every acked sale is in bronze (checked in each cycle); bronze holds nothing twice.
    expect(cycles.at(-1)!.facts.bronze).toBeGreaterThanOrEqual(cycles.at(-1)!.ackedSoFar)
  }, 180_000)
})
