import { afterAll, describe, expect, it } from 'vitest'
import { runCrashCycles, type CrashPoint } from '../helpers/crash-cycles.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const CYCLES = Number(process.env.SOAK_CRASH_CYCLES ?? 25)
const POINTS: CrashPoint[] = ['ingest', 'silver-rebuild', 'gold-rebuild', 'snapshot-export', 'scheduled-jobs']

describe('soak: kill -9 cycles at every crash point, minute boundaries included', () => {
  const work = makeTempDir()
  afterAll(() => work.remove())

  it(`${CYCLES} cycles`, async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000)
    const points = Array.from({ length: CYCLES }, (_, i) => POINTS[i % POINTS.length]!)
    const cycles = await runCrashCycles(work.path, {
      points,
      seed,
      onCycle: (cycle) =>
        console.info(
          `kill -9 cycle: ${cycle.point} after ${cycle.killedAfterMs} ms; acked so far ${cycle.ackedSoFar}; bronze ${cycle.facts.bronze}, snapshots ${cycle.facts.snapshots}, shipped ${cycle.facts.shipped}`,
        ),
    })
    console.info(`seed ${seed}: ${cycles.length} cycles, nothing acked lost, every check held`)
    expect(cycles.at(-1)!.facts.shipped, 'the scheduled-jobs cycles shipped snapshots').toBeGreaterThan(0)
  })
})
