import { benchDataDir } from './lib/data-dir.js'
import { databaseFile } from '../src/db/open.js'
import { measure, type IngestRun, type IngestSettings } from './ingest.js'
import { median } from './lib/proc.js'
import { prefillBronze } from './lib/prefill-bronze.js'
import { startMedallion } from './lib/targets.js'
import { openMigrated } from '../src/schemas.js'

export interface ScaleResult {
  storedRows: number
  emptyPerS: number
  fullPerS: number
  runs: IngestRun[]
}

/**
 * Ingest into an empty bronze store vs one holding `storedRows` sales of history, through the
 * daemon, alternating in each round. The history is a year of sales in arrival order.
 */
export async function compareScale(settings: IngestSettings, storedRows: number, log: (line: string) => void): Promise<ScaleResult> {
  const bigDir = benchDataDir(settings.workDir, 'big', 'data')
  openMigrated(bigDir, { attach: ['bronze'] }).close()
  const started = performance.now()
  prefillBronze({
    file: databaseFile(bigDir, 'bronze'),
    rows: storedRows,
    days: 365,
    endMs: Date.now() - 86_400_000,
    devices: 50,
    indexes: [
      {
        drop: 'DROP INDEX iot_sales_raw_identity',
        create: 'CREATE UNIQUE INDEX iot_sales_raw_identity ON iot_sales_raw (sale_ts_ms, dedupe_hash)',
      },
    ],
    onProgress: (done) => done % 2_000_000 === 0 && log(`  history: ${done.toLocaleString('en-US')} rows`),
  })
  log(`  ${storedRows.toLocaleString('en-US')} rows of history loaded in ${((performance.now() - started) / 1000).toFixed(0)} s`)

  const empty: number[] = []
  const full: number[] = []
  const runs: IngestRun[] = []
  for (let round = 1; round <= settings.rounds; round++) {
    const small = await measure(
      () =>
        startMedallion({
          dataDir: benchDataDir(settings.workDir, `empty-${round}`, 'data'),
          synchronous: 'FULL',
          connections: settings.connections,
          name: 'empty store',
        }),
      settings,
    )
    const big = await measure(
      () => startMedallion({ dataDir: bigDir, synchronous: 'FULL', connections: settings.connections, name: `${storedRows} rows stored` }),
      settings,
    )
    empty.push(small.result.ackedPerS)
    full.push(big.result.ackedPerS)
    runs.push(small, big)
    log(`  round ${round}: empty ${small.result.ackedPerS} msg/s, with history ${big.result.ackedPerS} msg/s (p99 ${big.result.ackP99Ms} ms)`)
  }
  return { storedRows, emptyPerS: median(empty), fullPerS: median(full), runs }
}
