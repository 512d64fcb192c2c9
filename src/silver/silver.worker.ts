import { parentPort, workerData } from 'node:worker_threads'
import { Expectations } from './expectations.js'
import { openSilverDatabase } from './open-silver.js'
import { SalesEnricher } from './sales-enricher.js'
import type { FromSilver, SilverSettings, ToSilver } from './silver-protocol.js'

// The silver thread: enriches new bronze rows in micro-batches right after they commit, so that
// silver is seconds behind bronze, without touching the broker's event loop or the bronze writer.
const settings = workerData as SilverSettings
const port = parentPort!
const db = openSilverDatabase(settings.dataDir, settings.synchronous)
const enricher = new SalesEnricher(db, {
  defaultTimezone: settings.defaultTimezone,
  minorUnitDigits: settings.minorUnitDigits,
  expectations: new Expectations(settings.expectations, settings.minorUnitDigits),
  batchRows: settings.batchRows,
})

function reply(message: FromSilver): void {
  port.postMessage(message)
}

let running = false
let again = false
let closing = false
let failed = enricher.failure() !== undefined

/** Enriches batch after batch until bronze is caught up, yielding to messages between batches. */
function runUntilCaughtUp(): void {
  if (running) {
    again = true
    return
  }
  if (failed || closing) return
  running = true
  again = false
  let outcome
  try {
    outcome = enricher.processNext()
  } catch (error) {
    // SQLITE_BUSY: another process (dims import, rebuild) held silver longer than busy_timeout.
    running = false
    reply({ kind: 'error', message: (error as Error).message })
    return
  }
  running = false
  if (outcome.rows > 0) reply({ kind: 'batch', outcome, at: Date.now() })
  if (outcome.failure) {
    failed = true
    reply({ kind: 'failed', failure: outcome.failure })
    return
  }
  if (outcome.rows > 0 || again) setImmediate(runUntilCaughtUp)
}

const poll = setInterval(runUntilCaughtUp, settings.pollMs)

port.on('message', (message: ToSilver) => {
  if (message.kind === 'bronze-advanced') {
    runUntilCaughtUp()
    return
  }
  closing = true
  clearInterval(poll)
  db.close()
  reply({ kind: 'closed' })
  port.close()
})

reply({ kind: 'ready', watermark: enricher.watermark(), failure: enricher.failure() })
setImmediate(runUntilCaughtUp)
