import { parentPort, workerData } from 'node:worker_threads'
import type { Config } from '../../config/schema.js'
import { openSilverDatabase } from '../open-silver.js'
import { pullContextFromConfig, syncDimensions } from './sync-dimensions.js'

// One scheduled pull of every dimension, on its own thread (see util/run-in-worker.ts).
const config = workerData as Config
const db = openSilverDatabase(config.dataDir, config.bronze.synchronous)
try {
  const outcomes = await syncDimensions(pullContextFromConfig(db, config))
  parentPort!.postMessage({ ok: true, value: outcomes })
} catch (error) {
  parentPort!.postMessage({ ok: false, error: (error as Error).message })
} finally {
  db.close()
}
