import { workerData } from 'node:worker_threads'
import type { Config } from '../config/schema.js'
import { openAllLayers } from '../db/open.js'
import { takeSnapshots } from './take-snapshots.js'
import { postJobResult } from '../util/job-result.js'

// One scheduled snapshot run on its own thread: Parquet encoding never runs on the broker's loop.
const config = workerData as Config
let db: ReturnType<typeof openAllLayers> | undefined
await postJobResult(
  () => takeSnapshots((db = openAllLayers(config.dataDir, config.storage.synchronous)), config),
  () => db?.close(),
)
