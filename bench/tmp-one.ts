import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measure } from '/work/main/bench/ingest.ts'
import { startMedallion, startBareAedes } from '/work/main/bench/lib/targets.ts'
const workDir = mkdtempSync(join(tmpdir(), 'b1-'))
const settings = { workDir, rounds: 1, durationS: 8, warmupS: 2, connections: 8, window: 100 }
for (let i = 0; i < 2; i++) {
const r = await measure(() => startMedallion({ dataDir: join(workDir, 'd'+i, 'data'), synchronous: 'FULL', connections: 8 }), settings)
console.log(r.target, r.result.ackedPerS, r.result.ackP50Ms, r.result.ackP99Ms, r.brokerCpu.toFixed(2), r.peakRssMiB.toFixed(0))
}
