import { Worker } from 'node:worker_threads'

/**
 * Starts the worker module `name` (without extension) next to the calling module. Built code
 * runs `name.js`; under the test runner the caller is a `.ts` file, and the worker then loads
 * the `.ts` source through tsx (a dev dependency), because Node 20 cannot run TypeScript itself.
 */
export function startWorker(name: string, callerUrl: string, workerData: unknown): Worker {
  const fromSource = callerUrl.endsWith('.ts')
  const url = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, callerUrl)
  return new Worker(url, { workerData, ...(fromSource ? { execArgv: ['--import', 'tsx'] } : {}) })
}
