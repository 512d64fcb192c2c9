import { workerData } from 'node:worker_threads'
import { isBusyError } from '../db/is-busy.js'
import { lowerThreadPriority, THREAD_NICE } from '../util/thread-priority.js'
import { enricherFromConfig } from '../silver/enricher-from-config.js'
import { openSilverDatabase, useSilverCache } from '../silver/open-silver.js'
import { systemClock } from '../util/clock.js'
import { SilverCadence, type BatchResult } from './silver-cadence.js'
import { serveThread } from '../util/thread-port.js'
import type { FromSilver, PipelineSettings, ToSilver } from './pipeline-protocol.js'

// The silver thread: enriches what bronze committed, in batches, on its own connection. WAL lets
// it read bronze.db while the bronze thread commits, and it writes silver.db only: a bronze group
// never waits for it. Under a burst it falls behind and catches up after (docs/silver.md).
const settings = workerData as PipelineSettings
// Enrichment (and gold after it) may lag during a burst and catch up after it; acks may not.
lowerThreadPriority(THREAD_NICE)

const db = openSilverDatabase(settings.dataDir, settings.synchronous)
// Never wait for silver's lock (a `dims import` may hold it for seconds): this thread must keep
// answering the watchdog's ping. A busy batch is retried at the next commit or poll.
db.pragma('busy_timeout = 0')
useSilverCache(db)
const enricher = enricherFromConfig(db, settings.enrichment, { budgetMs: settings.silverBudgetMs })

const reply = serveThread<ToSilver, FromSilver>({
  onMessage: (message) => {
    if (message.kind === 'bronze-committed') {
      cadence.committed()
      return
    }
    enricher.useExpectations(message.expectations, settings.enrichment.currency.minorUnitDigits)
    cadence.resume()
  },
  onClose: () => {
    cadence.close()
    db.close()
  },
})

function runBatch(): BatchResult {
  let outcome
  try {
    outcome = enricher.processNext()
  } catch (error) {
    // Busy: a `dims import` or `silver rebuild` holds silver.db; anything else is a real fault.
    reply({ kind: isBusyError(error) ? 'silver-busy' : 'silver-error', message: (error as Error).message })
    return 'idle'
  }
  if (outcome.failure) {
    if (outcome.rows > 0) reply({ kind: 'silver-batch', outcome, at: Date.now() })
    reply({ kind: 'silver-failed', failure: outcome.failure })
    return 'stopped'
  }
  if (outcome.rows === 0 && outcome.voids === 0 && outcome.inventory === 0) return 'idle'
  reply({ kind: 'silver-batch', outcome, at: Date.now() })
  return 'more'
}

// A failure recorded by an earlier run is tried again at start: the rule may have changed since.
const cadence = new SilverCadence(runBatch, systemClock, { delayMs: settings.silverDelayMs, pollMs: settings.pollMs })

reply({ kind: 'ready', silverWatermark: enricher.watermark() })
cadence.start()
