import { parentPort } from 'node:worker_threads'
import { ERROR_CODES, isMedallionError, MedallionError, type ErrorCode } from '../errors.js'

/** What a job thread posts once, before it exits: its value, or its error with the catalogue code it had. */
export type JobResult<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode | null; message: string } }

/** An error as a result: its message, and its catalogue code when it has one. */
export function failed(error: unknown): JobResult<never> {
  return { ok: false, error: { code: isMedallionError(error) ? error.code : null, message: (error as Error).message } }
}

/**
 * The job thread's side (util/run-in-worker.ts is the caller's): runs `work` (which opens what it
 * needs, so that an error at open keeps its code too), runs `cleanup` either way, and posts the
 * value or the error. A cleanup that throws does not hide the job's own outcome: its error is posted
 * only when the job itself succeeded.
 */
export async function postJobResult<T>(work: () => T | Promise<T>, cleanup: () => void): Promise<void> {
  let result: JobResult<T>
  try {
    result = { ok: true, value: await work() }
  } catch (error) {
    result = failed(error)
  }
  try {
    cleanup()
  } catch (error) {
    if (result.ok) result = failed(error)
  }
  try {
    parentPort!.postMessage(result)
  } catch (error) {
    // A value that cannot be cloned: the caller gets why, not a thread that ended without a result.
    parentPort!.postMessage(failed(error))
  }
}

/** The caller's side: the error a job thread posted, as the MedallionError it was (or a plain Error). */
export function jobError(error: { code: ErrorCode | null; message: string }): Error {
  return error.code !== null && error.code in ERROR_CODES ? new MedallionError(error.code, error.message) : new Error(error.message)
}
