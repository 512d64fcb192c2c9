import { workerData } from 'node:worker_threads'
import { MedallionError } from '../../src/errors.js'
import { postJobResult } from '../../src/util/job-result.js'

// A job thread for run-in-worker.test.ts: its work and its cleanup end as workerData says.
const { outcome, cleanup } = workerData as { outcome: 'value' | 'coded' | 'plain'; cleanup?: 'throws' }
await postJobResult(
  async () => {
    if (outcome === 'coded') throw new MedallionError('SNAPSHOT_DISK_BOUND', 'snapshot disk bound reached')
    if (outcome === 'plain') throw new Error('something else')
    return { made: 3 }
  },
  () => {
    if (cleanup === 'throws') throw new MedallionError('DATA_DIR_UNUSABLE', 'close failed')
  },
)
