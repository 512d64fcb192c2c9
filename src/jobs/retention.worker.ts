import { workerData } from 'node:worker_threads'
import type { Config } from '../config/schema.js'
import { openGoldDatabase } from '../gold/open-gold.js'
import { retainNow } from '../retention/retention.js'
import { postJobResult } from '../util/job-result.js'

// The retention job, on a thread of its own: deleting and vacuuming take seconds on a big store.
const config = workerData as Config
let db: ReturnType<typeof openGoldDatabase> | undefined
await postJobResult(
  () => {
    db = openGoldDatabase(config.dataDir, config.storage.synchronous)
    return retainNow(db, config)
  },
  () => db?.close(),
)
