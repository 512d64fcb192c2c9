import { workerData } from 'node:worker_threads'
import { lowerThreadPriority, THREAD_NICE } from '../util/thread-priority.js'
import { serveThread, settle } from '../util/thread-port.js'
import { GoldRefresher } from './gold-refresher.js'
import { openGoldDatabase } from './open-gold.js'
import type { FromGold, GoldSettings, ToGold } from './gold-protocol.js'

// The gold thread: adds silver's new sales to gold and recomputes the days silver marked, at most
// every refreshIntervalMs, so that staff totals are a second or two behind the broker. A step's cost
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
let backlog = false
let timer: NodeJS.Timeout | undefined
let lastRunAt = 0
let refreshes = 0
let closing = false

function schedule(): void {
  if (timer !== undefined || closing) return
  const gap = backlog ? 0 : settings.refreshIntervalMs
  timer = setTimeout(run, Math.max(0, lastRunAt + gap - Date.now()))
}

function run(): void {
  timer = undefined
  lastRunAt = Date.now()
  let outcome
  try {
    outcome = refresher.refresh()
    refreshes++
    post({ kind: 'refreshed', outcome, caughtUpAt: refresher.caughtUpAt() })
  } catch (error) {
    // Busy: a `gold rebuild` holds gold.db, and the next notice or poll tries again (as silver's thread tells them apart).
    backlog = false
    const busy = (error as { code?: string }).code?.startsWith('SQLITE_BUSY') ?? false
    post({ kind: busy ? 'busy' : 'error', message: (error as Error).message })
    return
  }
  // After an upgrade that added a table, a month of old days per run until done; a busy gold.db
  // only postpones it (it is not a refresh failure).
  let backfilling: boolean
  try {
    backfilling = refresher.backfillStep()
  } catch {
    backfilling = true
  }
  backlog = outcome.pending || backfilling
  if (backlog) schedule()
  if (refreshes % PRUNE_EVERY === 0) {
    try {
      refresher.pruneConsumed()
    } catch {
      // silver.db busy (the pipeline writes it all the time): prune at a later refresh.
    }
  }
}

const poll = setInterval(schedule, settings.pollMs)

const post = serveThread<ToGold, FromGold>({
  onMessage: (message) => {
    if (message.kind === 'silver-advanced') {
      schedule()
      return
    }
    const result = settle(() => refresher.refreshAll())
    post({ kind: 'reply', id: message.id, result })
    if (result.ok) post({ kind: 'refreshed', outcome: result.value, caughtUpAt: refresher.caughtUpAt() })
  },
  onClose: () => {
    closing = true
    clearInterval(poll)
    clearTimeout(timer)
    db.close()
  },
})

post({ kind: 'ready', watermark: refresher.watermark(), caughtUpAt: refresher.caughtUpAt() })
schedule()
