import { parentPort, workerData } from 'node:worker_threads'
import type { Config } from '../../config/schema.js'
import { enricherFromConfig } from '../enricher-from-config.js'
import { openSilverDatabase } from '../open-silver.js'
import { syncDimensions } from './sync-dimensions.js'

// One scheduled pull of every dimension, on its own thread (see util/run-in-worker.ts).
const config = workerData as Config
const db = openSilverDatabase(config.dataDir, config.bronze.synchronous)
try {
  const outcomes = await syncDimensions({
    db,
    enricher: enricherFromConfig(db, config),
    dims: config.dims,
    storeId: config.storeId,
    dataDir: config.dataDir,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  })
  parentPort!.postMessage({ ok: true, value: outcomes })
} catch (error) {
  parentPort!.postMessage({ ok: false, error: (error as Error).message })
} finally {
  db.close()
}
