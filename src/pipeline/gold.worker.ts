import { workerData } from 'node:worker_threads'
import { GoldRefresher } from '../gold/gold-refresher.js'
import { isBusyError } from '../db/is-busy.js'
import { openGoldDatabase } from '../gold/open-gold.js'
import { systemClock } from '../util/clock.js'
import { lowerThreadPriority, THREAD_NICE } from '../util/thread-priority.js'
import { serveThread, settle } from '../util/thread-port.js'
import { GoldCadence, type RefreshStep } from './gold-cadence.js'
import type { FromGold, GoldSettings, ToGold } from './gold-protocol.js'

// The gold thread: adds silver's new sales to gold and recomputes the days silver marked, at most
// every refreshIntervalMs (gold-cadence.ts), so that staff totals are a second or two behind the broker. A step's cost
// follows the sales it adds (gold-delta.ts). With a backlog (after a burst) the next step follows at
// once; the thread runs at a lower priority, so that catching up takes idle CPU, not ingest's.
const settings = workerData as GoldSettings
// Totals may lag during a burst and catch up after it; acks may not (see silver.worker.ts).
lowerThreadPriority(THREAD_NICE)
const db = openGoldDatabase(settings.dataDir, settings.synchronous)
// Never wait on silver's lock while pruning: the silver thread must not be held up by gold.
db.pragma('busy_timeout = 0')
const refresher = new GoldRefresher(db)

const PRUNE_EVERY = 100
let refreshes = 0

/** One refresh step; 'more' when a backlog or a backfill wants the next one at once. */
function refreshStep(): RefreshStep {
  let outcome
  try {
    outcome = refresher.refresh()
    refreshes++
    post({ kind: 'refreshed', outcome, caughtUpAt: refresher.caughtUpAt() })
  } catch (error) {
    // Busy: a `gold rebuild` holds gold.db, and the next notice or poll tries again (as silver's thread tells them apart).
    post({ kind: isBusyError(error) ? 'busy' : 'error', message: (error as Error).message })
    return 'idle'
  }
  // After an upgrade that added a table, a month of old days per run until done; a busy gold.db
  // only postpones it (it is not a refresh failure).
  let backfilling: boolean
  try {
    backfilling = refresher.backfillStep()
  } catch {
    backfilling = true
  }
  if (refreshes % PRUNE_EVERY === 0) {
    try {
      refresher.pruneConsumed()
    } catch {
      // silver.db busy (the pipeline writes it all the time): prune at a later refresh.
    }
  }
  return outcome.pending || backfilling ? 'more' : 'idle'
}

const cadence = new GoldCadence(refreshStep, systemClock, { refreshIntervalMs: settings.refreshIntervalMs, pollMs: settings.pollMs })

const post = serveThread<ToGold, FromGold>({
  onMessage: (message) => {
    if (message.kind === 'silver-advanced') {
      cadence.silverAdvanced()
      return
    }
    const result = settle(() => refresher.refreshAll())
    post({ kind: 'reply', id: message.id, result })
    if (result.ok) post({ kind: 'refreshed', outcome: result.value, caughtUpAt: refresher.caughtUpAt() })
  },
  onClose: () => {
    cadence.close()
    db.close()
  },
})

post({ kind: 'ready', watermark: refresher.watermark(), caughtUpAt: refresher.caughtUpAt() })
cadence.start()
