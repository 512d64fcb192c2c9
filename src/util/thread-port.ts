import { parentPort, type TransferListItem } from 'node:worker_threads'
import { failed, type JobResult } from './job-result.js'
import type { ThreadControl, ThreadSignal } from './service-thread.js'

export interface ThreadHandlers<To> {
  /** Every message of the thread's own protocol. */
  onMessage: (message: Exclude<To, ThreadControl>) => void
  /** Asked to close: stop timers, close the databases. The thread ends once it returns. */
  onClose: () => void
}

/**
 * A long-lived thread's side of util/service-thread.ts: answers `ping` with `pong` (the systemd
 * watchdog's question, answered only while the thread's event loop turns), closes on `close`,
 * and hands every other message to `onMessage`. Returns the thread's typed `post`.
 */
export function serveThread<To extends { kind: string }, From extends { kind: string }>(
  handlers: ThreadHandlers<To>,
): (message: From, transfer?: readonly TransferListItem[]) => void {
  const port = parentPort!
  port.on('message', (message: To | ThreadControl) => {
    if (message.kind === 'ping') port.postMessage({ kind: 'pong' } satisfies ThreadSignal)
    else if (message.kind === 'close') {
      handlers.onClose()
      port.close()
    } else handlers.onMessage(message as Exclude<To, ThreadControl>)
  })
  return (message, transfer) => port.postMessage(message, transfer)
}

/** `work`'s value, or its error with its catalogue code: what a `Reply` carries. */
export function settle<T>(work: () => T): JobResult<T> {
  try {
    return { ok: true, value: work() }
  } catch (error) {
    return failed(error)
  }
}
