import { workerData } from 'node:worker_threads'
import type { Config } from '../config/schema.js'
import { openAllLayers } from '../db/open.js'
import { retainNow } from '../retention/retention.js'
import { postJobResult } from '../util/job-result.js'

// The retention job, on a thread of its own: deleting and vacuuming take seconds on a big store.
const config = workerData as Config
let db: ReturnType<typeof openAllLayers> | undefined
await postJobResult(
  () => {
    db = openAllLayers(config.dataDir, config.storage.synchronous)
    return retainNow(db, config)
  },
  () => db?.close(),
)
