import { afterAll, describe, expect, it } from 'vitest'
import { runCrashCycles, type CrashPoint } from '../helpers/crash-cycles.js'
import { makeTempDir } from '../helpers/temp-dir.js'

// A few cycles here; `npm run soak` runs 25 (SOAK_CRASH_CYCLES), minute boundaries (scheduled jobs) included.
describe('kill -9 at random points, restarted each time: nothing acked lost, every layer still adds up', () => {
  const work = makeTempDir()
  afterAll(() => work.remove())

  it('ingest, silver rebuild, gold rebuild and snapshot export cut short', async () => {
    const points: CrashPoint[] = ['ingest', 'silver-rebuild', 'gold-rebuild', 'snapshot-export']
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000)
    const cycles = await runCrashCycles(work.path, { points, seed })
    // Every cycle really killed a daemon under load: each one acked sales the one before had not.
    const acked = cycles.map((cycle) => cycle.ackedSoFar)
    expect(
      acked.every((count, i) => count > (acked[i - 1] ?? 0)),
      `seed ${seed}: acked so far ${acked.join(', ')}`,
    ).toBe(true)
    expect(acked.at(-1), `seed ${seed}`).toBeGreaterThan(500)
  }, 180_000)
})
