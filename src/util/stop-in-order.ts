import type { Logger } from 'pino'
import { errorFields } from '../errors.js'

/** A part of the daemon to stop: its name in the log, and how. */
export type StopStep = readonly [part: string, stop: () => unknown]

/**
 * Runs the steps one after the other, each awaited. One that throws is logged and the rest still
 * run: a listener that fails to close must not keep the databases open or the lock held. Returns
 * the parts that failed (empty when all stopped).
 */
export async function stopInOrder(steps: readonly StopStep[], logger: Logger): Promise<string[]> {
  const failed: string[] = []
  for (const [part, stop] of steps) {
    try {
      await stop()
    } catch (error) {
      failed.push(part)
      logger.error({ part, ...errorFields(error) }, `could not stop ${part}; stopping the rest`)
    }
  }
  return failed
}
