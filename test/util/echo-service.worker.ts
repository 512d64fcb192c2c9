import { MedallionError } from '../../src/errors.js'
import { serveThread, settle } from '../../src/util/thread-port.js'

// A long-lived thread for service-thread.test.ts: doubles a number, or fails with a coded error, or
// stays silent (its reply never comes: the caller's stop must still settle the request).
type To = { kind: 'double'; id: number; n: number } | { kind: 'fail'; id: number } | { kind: 'ignore'; id: number } | { kind: 'say'; text: string }
type From = { kind: 'ready' } | { kind: 'reply'; id: number; result: unknown } | { kind: 'said'; text: string }

const post = serveThread<To, From>({
  onMessage: (message) => {
    if (message.kind === 'double') post({ kind: 'reply', id: message.id, result: settle(() => message.n * 2) })
    else if (message.kind === 'fail')
      post({
        kind: 'reply',
        id: message.id,
        result: settle(() => {
          throw new MedallionError('BRONZE_COMMIT_FAILED', 'bronze cannot commit: disk I/O error')
        }),
      })
    else if (message.kind === 'say') post({ kind: 'said', text: message.text })
  },
  onClose: () => {},
})
post({ kind: 'ready' })
