import { workerData } from 'node:worker_threads'
import { BronzeStore } from '../bronze/bronze-store.js'
import { unpackGroup } from './packed-group.js'
import { openDatabase } from '../db/open.js'
import { serveThread, settle } from '../util/thread-port.js'
import type { FromBronze, PipelineSettings, ToBronze } from './pipeline-protocol.js'

// The bronze thread: group commits, nothing else. JSON work and fsync never run on the broker's
// event loop, and no enrichment ever runs between two groups (silver has its own thread): an ack
// waits for its own group's commit only.
const settings = workerData as PipelineSettings

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

const post = serveThread<ToBronze, FromBronze>({
  onMessage: ({ group }) => post({ kind: 'reply', id: group.id, result: settle(() => store.commit(unpackGroup(group))) }),
  onClose: () => db.close(),
})

post({
  kind: 'ready',
  pragmas: {
    synchronous: db.pragma('bronze.synchronous', { simple: true }) as number,
    journalMode: db.pragma('bronze.journal_mode', { simple: true }) as string,
  },
})
