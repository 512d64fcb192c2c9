import { parentPort } from 'node:worker_threads'
import { ERROR_CODES, isMedallionError, MedallionError, type ErrorCode } from '../errors.js'

/** What a job thread posts once, before it exits: its value, or its error with the catalogue code it had. */
export type JobResult<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode | null; message: string } }

/**
 * The job thread's side (util/run-in-worker.ts is the caller's): runs `work`, posts its value or its
 * error, and runs `cleanup` either way. A coded error keeps its code across the thread boundary.
 */
export async function postJobResult<T>(work: () => T | Promise<T>, cleanup: () => void): Promise<void> {
  let result: JobResult<T>
  try {
    result = { ok: true, value: await work() }
  } catch (error) {
    result = { ok: false, error: { code: isMedallionError(error) ? error.code : null, message: (error as Error).message } }
  } finally {
    cleanup()
  }
  parentPort!.postMessage(result)
}

/** The caller's side: the error a job thread posted, as the MedallionError it was (or a plain Error). */
export function jobError(error: { code: ErrorCode | null; message: string }): Error {
  return error.code !== null && error.code in ERROR_CODES ? new MedallionError(error.code, error.message) : new Error(error.message)
}
