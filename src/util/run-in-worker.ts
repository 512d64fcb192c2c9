import { once } from 'node:events'
import { startWorker } from './start-worker.js'

/**
 * Runs a job module on its own thread and resolves with what it posts (once) before it exits:
 * heavy jobs (applying a dimension file, rebuilding gold) then never block the broker's event
 * loop, and their memory is returned when they end.
 */
export async function runInWorker<T>(name: string, callerUrl: string, data: unknown): Promise<T> {
  const worker = startWorker(name, callerUrl, data)
  let result: { ok: true; value: T } | { ok: false; error: string } | undefined
  worker.on('message', (message: { ok: true; value: T } | { ok: false; error: string }) => (result = message))
  const [code] = (await once(worker, 'exit')) as [number]
  if (result === undefined) throw new Error(`${name} thread exited with code ${code} without a result`)
  if (!result.ok) throw new Error(result.error)
  return result.value
}
