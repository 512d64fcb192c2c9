import { workerData } from 'node:worker_threads'
import type { Config } from '../config/schema.js'
import { openSilverDatabase } from '../silver/open-silver.js'
import { pullContextFromConfig, syncDimensions } from '../silver/dims/sync-dimensions.js'
import { postJobResult } from '../util/job-result.js'

// One scheduled pull of every dimension, on its own thread (see util/run-in-worker.ts).
const config = workerData as Config
let db: ReturnType<typeof openSilverDatabase> | undefined
await postJobResult(
  () => syncDimensions(pullContextFromConfig((db = openSilverDatabase(config.dataDir, config.storage.synchronous)), config)),
  () => db?.close(),
)
