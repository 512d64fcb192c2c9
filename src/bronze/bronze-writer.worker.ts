import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase } from '../db/open.js'
import { BronzeStore } from './bronze-store.js'
import { unpackGroup, type FromWriter, type ToWriter, type WriterSettings } from './writer-protocol.js'

// The bronze writer thread: parses, validates and commits groups of messages, so that JSON work
// and fsync never stall the broker's event loop (on an SD card one fsync can take 10-30 ms).
const settings = workerData as WriterSettings
const port = parentPort!
const db = openDatabase({
  dataDir: settings.dataDir,
  attach: ['bronze'],
  synchronous: settings.synchronous,
  cacheSizeMiB: settings.cacheSizeMiB,
})
// Checkpoint every 16 MiB of WAL instead of SQLite's 4 MiB: a quarter of the checkpoint fsyncs.
// Measured on 400k inserts in groups of 400: 2.96 -> 2.85 us/row (FULL), 2.65 -> 2.0 (NORMAL).
db.pragma('wal_autocheckpoint = 4096')
const store = new BronzeStore(db, settings)

function reply(message: FromWriter): void {
  port.postMessage(message)
}

port.on('message', (message: ToWriter) => {
  if (message.kind === 'close') {
    db.close()
    reply({ kind: 'closed' })
    port.close()
    return
  }
  const { group } = message
  try {
    reply({ kind: 'committed', id: group.id, result: store.commit(unpackGroup(group)) })
  } catch (error) {
    reply({ kind: 'failed', id: group.id, message: (error as Error).message })
  }
})
reply({ kind: 'ready' })
