import { parentPort, workerData } from 'node:worker_threads'
import type { Config } from '../config/schema.js'
import { openGoldDatabase } from '../gold/open-gold.js'
import { takeSnapshots } from './take-snapshots.js'

// One scheduled snapshot run on its own thread: Parquet encoding never runs on the broker's loop.
const config = workerData as Config
const db = openGoldDatabase(config.dataDir, config.bronze.synchronous)
try {
  parentPort!.postMessage({ ok: true, value: takeSnapshots(db, config) })
} catch (error) {
  parentPort!.postMessage({ ok: false, error: (error as Error).message })
} finally {
  db.close()
}
