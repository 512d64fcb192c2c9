import { parentPort, workerData } from 'node:worker_threads'
import { GoldRefresher } from './gold-refresher.js'
import { openGoldDatabase } from './open-gold.js'
import type { FromGold, GoldSettings, ToGold } from './gold-protocol.js'

// The gold thread: recomputes the (store, day) groups silver changed, at most every
// refreshIntervalMs, so that staff totals are a second or two behind the broker. A day of many
// sales takes tens of milliseconds to recompute; on its own thread that never delays an ack. A
// refresh that took T waits at least 10 T before the next (gold takes at most a tenth of a core):
// on a day of a million sales, freshness drops to several seconds instead of starving ingest.
const settings = workerData as GoldSettings
const port = parentPort!
const db = openGoldDatabase(settings.dataDir, settings.synchronous)
// Never wait on silver's lock while pruning: the pipeline thread must not be held up by gold.
db.pragma('busy_timeout = 0')
const refresher = new GoldRefresher(db)

const PRUNE_EVERY = 100
const DUTY_FACTOR = 10
let timer: NodeJS.Timeout | undefined
let lastRunAt = 0
let lastDurationMs = 0
let refreshes = 0
let closing = false

function schedule(): void {
  if (timer !== undefined || closing) return
  const gap = Math.max(settings.refreshIntervalMs, DUTY_FACTOR * lastDurationMs)
  timer = setTimeout(run, Math.max(0, lastRunAt + gap - Date.now()))
}

function run(): void {
  timer = undefined
  lastRunAt = Date.now()
  let outcome
  try {
    outcome = refresher.refresh()
    refreshes++
    port.postMessage({ kind: 'refreshed', outcome, caughtUpAt: refresher.caughtUpAt() } satisfies FromGold)
  } catch (error) {
    // SQLITE_BUSY: a `gold rebuild` holds gold.db; the next notice or poll tries again.
    lastDurationMs = Date.now() - lastRunAt
    port.postMessage({ kind: 'error', message: (error as Error).message } satisfies FromGold)
    return
  }
  // After an upgrade that added a table, a month of old days per run until done; inside the same
  // duty cycle as the refresh, and a busy gold.db only postpones it (it is not a refresh failure).
  let backfilling = false
  try {
    backfilling = refresher.backfillStep()
  } catch {
    backfilling = true
  }
  lastDurationMs = Date.now() - lastRunAt
  if (outcome.pending || backfilling) schedule()
  if (refreshes % PRUNE_EVERY === 0) {
    try {
      refresher.pruneConsumed()
    } catch {
      // silver.db busy (the pipeline writes it all the time): prune at a later refresh.
    }
  }
}

const poll = setInterval(schedule, settings.pollMs)

port.on('message', (message: ToGold) => {
  if (message.kind === 'ping') {
    port.postMessage({ kind: 'pong' } satisfies FromGold)
    return
  }
  if (message.kind === 'silver-advanced') {
    schedule()
    return
  }
  if (message.kind === 'refresh-now') {
    try {
      const outcome = refresher.refreshAll()
      port.postMessage({ kind: 'refreshed-now', id: message.id, outcome } satisfies FromGold)
      port.postMessage({ kind: 'refreshed', outcome, caughtUpAt: refresher.caughtUpAt() } satisfies FromGold)
    } catch (error) {
      port.postMessage({ kind: 'refreshed-now', id: message.id, error: (error as Error).message } satisfies FromGold)
    }
    return
  }
  closing = true
  clearInterval(poll)
  clearTimeout(timer)
  db.close()
  port.close()
})

port.postMessage({ kind: 'ready', watermark: refresher.watermark(), caughtUpAt: refresher.caughtUpAt() } satisfies FromGold)
schedule()
