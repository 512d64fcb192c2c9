import { parentPort, workerData } from 'node:worker_threads'
import { BronzeStore } from '../bronze/bronze-store.js'
import { unpackGroup } from './packed-group.js'
import { openDatabase } from '../db/open.js'
import { enricherFromConfig } from '../silver/enricher-from-config.js'
import { Expectations } from '../silver/expectations.js'
import { systemClock } from '../util/clock.js'
import { SilverCadence, type BatchResult } from './silver-cadence.js'
import { openSilverDatabase } from '../silver/open-silver.js'
import type { FromPipeline, PipelineSettings, ToPipeline } from './pipeline-protocol.js'

// The pipeline thread: bronze group commits first, silver micro-batches when bronze is quiet.
// JSON work, fsync and enrichment never run on the broker's event loop. Silver runs only after
// SILVER_AFTER_IDLE_MS without a bronze group (and one batch per poll regardless), and a batch
// stops after silverBudgetMs: so ingest keeps its full rate during a burst, silver lags and
// catches up after it, and at nominal load silver follows bronze within milliseconds.
const settings = workerData as PipelineSettings
const port = parentPort!

const bronzeDb = openDatabase({
  dataDir: settings.dataDir,
  attach: ['bronze'],
  synchronous: settings.synchronous,
  cacheSizeMiB: settings.cacheSizeMiB,
})
// SQLite's default WAL checkpoint (every 1000 pages, 4 MiB) runs inside the commit that crosses
// it and is what sets the ack p99: measured under full load here, 4 MiB checkpoints made 15-25 ms
// commits, 16 MiB ones 60 ms, for 4% more throughput. So the default stays.
const store = new BronzeStore(bronzeDb, settings)

const silverDb = openSilverDatabase(settings.dataDir, settings.synchronous)
// Never wait for silver's lock here (a `dims import` may hold it for seconds): bronze groups
// queue behind this thread. A busy batch is retried at the next poll.
silverDb.pragma('busy_timeout = 0')
const enricher = enricherFromConfig(silverDb, settings.enrichment, { budgetMs: settings.silverBudgetMs })

function reply(message: FromPipeline): void {
  port.postMessage(message)
}

/** A bronze group waits for silver at most this long: silver runs after bronze has been quiet for it. */
const SILVER_AFTER_IDLE_MS = 2

function runSilverBatch(): BatchResult {
  let outcome
  try {
    outcome = enricher.processNext()
  } catch (error) {
    const code = (error as { code?: string }).code
    // Busy: a `dims import` or `silver rebuild` holds silver.db; anything else is a real fault.
    reply({ kind: code?.startsWith('SQLITE_BUSY') ? 'silver-busy' : 'silver-error', message: (error as Error).message })
    return 'idle'
  }
  if (outcome.failure) {
    if (outcome.rows > 0) reply({ kind: 'silver-batch', outcome, at: Date.now() })
    reply({ kind: 'silver-failed', failure: outcome.failure })
    return 'stopped'
  }
  if (outcome.rows === 0) return 'idle'
  reply({ kind: 'silver-batch', outcome, at: Date.now() })
  return 'more'
}

// A failure recorded by an earlier run is tried again at start: the rule may have changed since.
const cadence = new SilverCadence(runSilverBatch, { ...systemClock, now: () => performance.now() }, { idleMs: SILVER_AFTER_IDLE_MS, pollMs: settings.pollMs })

port.on('message', (message: ToPipeline) => {
  if (message.kind === 'ping') {
    reply({ kind: 'pong' })
    return
  }
  if (message.kind === 'expectations') {
    enricher.useExpectations(new Expectations(message.expectations, settings.enrichment.currency.minorUnitDigits))
    cadence.resume()
    return
  }
  if (message.kind === 'close') {
    cadence.close()
    silverDb.close()
    bronzeDb.close()
    port.close()
    return
  }
  const { group } = message
  try {
    reply({ kind: 'committed', id: group.id, result: store.commit(unpackGroup(group)) })
  } catch (error) {
    reply({ kind: 'failed', id: group.id, message: (error as Error).message })
  }
  cadence.committed()
})

reply({
  kind: 'ready',
  pragmas: {
    synchronous: bronzeDb.pragma('bronze.synchronous', { simple: true }) as number,
    journalMode: bronzeDb.pragma('bronze.journal_mode', { simple: true }) as string,
  },
  silverWatermark: enricher.watermark(),
})
cadence.start()
