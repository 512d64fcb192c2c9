import { once } from 'node:events'
import { jobError, type JobResult } from './job-result.js'
import { startWorker } from './start-worker.js'

/**
 * Runs a job module on its own thread and resolves with what it posts (once) before it exits:
 * heavy jobs (applying a dimension file, rebuilding gold) then never block the broker's event
 * loop, and their memory is returned when they end.
 */
export async function runInWorker<T>(name: string, callerUrl: string, data: unknown): Promise<T> {
  const worker = startWorker(name, callerUrl, data)
  let result: JobResult<T> | undefined
  worker.on('message', (message: JobResult<T>) => (result = message))
  const [code] = (await once(worker, 'exit')) as [number]
  if (result === undefined) throw new Error(`${name} thread exited with code ${code} without a result`)
  if (!result.ok) throw jobError(result.error)
  return result.value
}
