import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { MedallionError } from '../errors.js'

/** Listens on host:port; the app itself is built and tested without a port (buildApp). */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<AddressInfo> {
  try {
    await app.listen({ host, port })
  } catch (cause) {
    throw new MedallionError('LISTEN_FAILED', `http listener on ${host}:${port}: ${(cause as Error).message}`, { cause })
  }
  return app.server.address() as AddressInfo
}
