import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import { BronzeStore } from '../bronze/bronze-store.js'
import { unpackGroup } from './packed-group.js'
import { openDatabase } from '../db/open.js'
import type { FromBronze, PipelineSettings, ToBronze } from './pipeline-protocol.js'
import { lastIdOf, type HandoffValue, type SaleHandoff } from './sale-handoff.js'

// The bronze thread: group commits, nothing else. JSON work and fsync never run on the broker's
// event loop, and no enrichment ever runs between two groups (silver has its own thread): an ack
// waits for its own group's commit only.
const settings = workerData as PipelineSettings
const port = parentPort!

const db = openDatabase({
  dataDir: settings.dataDir,
  attach: ['bronze'],
  synchronous: settings.synchronous,
  cacheSizeMiB: settings.cacheSizeMiB,
})
// SQLite's default WAL checkpoint (every 1000 pages, 4 MiB) runs inside the commit that crosses
// it and is what sets the ack p99: measured under full load here, 4 MiB checkpoints made 15-25 ms
// commits, 16 MiB ones 60 ms, for 4% more throughput. So the default stays.
const store = new BronzeStore(db, settings)

function reply(message: FromBronze): void {
  port.postMessage(message)
}

/** The silver thread's port, and the largest bronze id committed so far (the next hand-off starts after it). */
let handoff: { port: MessagePort; lastId: number } | undefined
const maxBronzeId = db.prepare('SELECT coalesce(max(id), 0) FROM bronze.iot_sales_raw').pluck()

port.on('message', (message: ToBronze) => {
  if (message.kind === 'ping') {
    reply({ kind: 'pong' })
    return
  }
  if (message.kind === 'handoff') {
    handoff = { port: message.port, lastId: maxBronzeId.get() as number }
    return
  }
  if (message.kind === 'close') {
    handoff?.port.close()
    db.close()
    port.close()
    return
  }
  const { group } = message
  const stored: HandoffValue[] | undefined = handoff ? [] : undefined
  try {
    reply({ kind: 'committed', id: group.id, result: store.commit(unpackGroup(group), stored) })
  } catch (error) {
    reply({ kind: 'failed', id: group.id, message: (error as Error).message })
    return
  }
  // After the acks' reply: the hand-off saves silver a read, the ack path waits for nothing.
  if (handoff && stored && stored.length > 0) {
    const sales: SaleHandoff = { after: handoff.lastId, rows: stored }
    handoff.port.postMessage(sales)
    handoff.lastId = lastIdOf(sales)
  }
})

reply({
  kind: 'ready',
  pragmas: {
    synchronous: db.pragma('bronze.synchronous', { simple: true }) as number,
    journalMode: db.pragma('bronze.journal_mode', { simple: true }) as string,
  },
})
