import { parentPort, workerData } from 'node:worker_threads'
import { BronzeStore } from '../bronze/bronze-store.js'
import { unpackGroup } from '../bronze/packed-group.js'
import { openDatabase } from '../db/open.js'
import { Expectations } from '../silver/expectations.js'
import { openSilverDatabase } from '../silver/open-silver.js'
import { SalesEnricher } from '../silver/sales-enricher.js'
import type { FromPipeline, PipelineSettings, ToPipeline } from './pipeline-protocol.js'

// The pipeline thread: bronze group commits first, silver micro-batches in the gaps between them.
// JSON work, fsync and enrichment never run on the broker's event loop; a bronze group waits for
// a silver batch at most silverBudgetMs; under full ingest silver lags and catches up after.
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
const enricher = new SalesEnricher(silverDb, {
  defaultTimezone: settings.defaultTimezone,
  minorUnitDigits: settings.minorUnitDigits,
  expectations: new Expectations(settings.expectations, settings.minorUnitDigits),
  batchRows: settings.silverBatchRows,
  budgetMs: settings.silverBudgetMs,
})

function reply(message: FromPipeline): void {
  port.postMessage(message)
}

let silverScheduled = false
let silverStopped = enricher.failure() !== undefined

/** Runs one silver batch after every queued bronze group (setImmediate runs after the port's queue). */
function scheduleSilver(): void {
  if (silverScheduled || silverStopped) return
  silverScheduled = true
  setImmediate(runSilverBatch)
}

function runSilverBatch(): void {
  silverScheduled = false
  if (silverStopped) return
  let outcome
  try {
    outcome = enricher.processNext()
  } catch (error) {
    reply({ kind: 'silver-busy', message: (error as Error).message })
    return
  }
  if (outcome.rows === 0) return
  reply({ kind: 'silver-batch', outcome, at: Date.now() })
  if (outcome.failure) {
    silverStopped = true
    reply({ kind: 'silver-failed', failure: outcome.failure })
    return
  }
  scheduleSilver() // there may be more
}

const poll = setInterval(scheduleSilver, settings.pollMs)

port.on('message', (message: ToPipeline) => {
  if (message.kind === 'close') {
    clearInterval(poll)
    silverStopped = true
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
  scheduleSilver()
})

reply({
  kind: 'ready',
  pragmas: {
    synchronous: bronzeDb.pragma('bronze.synchronous', { simple: true }) as number,
    journalMode: bronzeDb.pragma('bronze.journal_mode', { simple: true }) as string,
  },
  silverWatermark: enricher.watermark(),
  silverFailure: enricher.failure(),
})
scheduleSilver()
