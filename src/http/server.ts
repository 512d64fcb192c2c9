import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { Server as TlsServer } from 'node:tls'
import { MedallionError } from '../errors.js'
import type { TlsCredentials } from '../util/tls-credentials.js'

/**
 * Listens on host:port; the app itself is built and tested without a port (buildApp). An app
 * built for HTTPS gets its certificate here, before the first connection.
 */
export async function listen(app: FastifyInstance, host: string, port: number, credentials?: TlsCredentials): Promise<AddressInfo> {
  if (credentials) useCertificate(app, credentials)
  try {
    await app.listen({ host, port })
  } catch (cause) {
    throw new MedallionError('LISTEN_FAILED', `http listener on ${host}:${port}: ${(cause as Error).message}`, { cause })
  }
  return app.server.address() as AddressInfo
}

/** Serves this certificate to new connections (a renewal); open connections keep theirs. */
export function useCertificate(app: FastifyInstance, credentials: TlsCredentials): void {
  ;(app.server as unknown as TlsServer).setSecureContext({ cert: credentials.cert, key: credentials.key })
}
