// The peer "simplest durable capture" (issue 24): aedes plus one SQLite table, each publish acked
// only after the group commit that stores it (WAL, synchronous=FULL: one fsync per group), all on
// one thread. What any broker that promises "acked means on disk" can be built as in an afternoon;
// medallion-edge is measured against it. Prints {"port"} when listening.
import { Aedes } from 'aedes'
import Database from 'better-sqlite3'
import { createServer, type AddressInfo } from 'node:net'

const db = new Database(process.argv[2]!)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = FULL')
db.exec('CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, received_at_ms INTEGER NOT NULL)')
const insert = db.prepare('INSERT INTO messages (topic, payload, received_at_ms) VALUES (?, ?, ?)')

interface Waiting {
  topic: string
  payload: Buffer | string
  ack: (error?: Error | null) => void
}
let group: Waiting[] = []
const commit = db.transaction((items: Waiting[]) => {
  const now = Date.now()
  for (const item of items) insert.run(item.topic, item.payload, now)
})
/** The publishes that came in one turn of the event loop: one transaction, then their acks. */
function flush(): void {
  const items = group
  group = []
  commit(items)
  for (const item of items) item.ack(null)
}

const aedes = await Aedes.createBroker({
  // aedes sends the PUBACK once this calls back.
  authorizePublish: (_client, packet, callback) => {
    if (group.length === 0) setImmediate(flush)
    group.push({ topic: packet.topic, payload: packet.payload, ack: callback })
  },
})
const server = createServer(aedes.handle)
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n')
})
process.on('SIGTERM', () => aedes.close(() => server.close(() => (db.close(), process.exit(0)))))
