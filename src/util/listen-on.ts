import type { AddressInfo, Server } from 'node:net'
import { MedallionError } from '../errors.js'

/** Listens on host:port; a bind that fails is one LISTEN_FAILED naming the listener and the address. */
export async function listenOn(server: Server, host: string, port: number, name: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) => reject(new MedallionError('LISTEN_FAILED', `${name} listener on ${host}:${port}: ${cause.message}`, { cause })))
    server.listen(port, host, () => resolve())
  })
  return server.address() as AddressInfo
}
