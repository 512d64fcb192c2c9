import { Readable } from 'node:stream'
import { workerData } from 'node:worker_threads'
import { importStockFile } from '../bronze/import-stock-file.js'
import { openMigrated } from '../schemas.js'
import { postJobResult } from '../util/job-result.js'
import type { StockImportJob } from './stock-import-job.js'

// One import of stock counts posted to the admin API, on its own thread (see util/run-in-worker.ts).
const job = workerData as StockImportJob
let db: ReturnType<typeof openMigrated> | undefined
await postJobResult(
  () =>
    importStockFile((db = openMigrated(job.dataDir, { attach: ['bronze'], synchronous: job.synchronous })), Readable.from([job.body]), job.format, job.options),
  () => db?.close(),
)
