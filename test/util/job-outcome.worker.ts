import { workerData } from 'node:worker_threads'
import { MedallionError } from '../../src/errors.js'
import { postJobResult } from '../../src/util/job-result.js'

// A job thread for run-in-worker.test.ts: ends with a value, a coded error or a plain one, as workerData says.
const { outcome } = workerData as { outcome: 'value' | 'coded' | 'plain' }
await postJobResult(
  async () => {
    if (outcome === 'coded') throw new MedallionError('SNAPSHOT_DISK_BOUND', 'snapshot disk bound reached')
    if (outcome === 'plain') throw new Error('something else')
    return { made: 3 }
  },
  () => {},
)
