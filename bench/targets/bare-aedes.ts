// The peer "bare aedes": the same broker library with no handlers (no auth, no storage, ack at
// once). Prints {"port"} when listening.
import { Aedes } from 'aedes'
import { createServer, type AddressInfo } from 'node:net'

const aedes = await Aedes.createBroker()
const server = createServer(aedes.handle)
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n')
})
process.on('SIGTERM', () => aedes.close(() => server.close(() => process.exit(0))))
