import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { listenOn } from '../util/listen-on.js'
import { answerClientError } from './client-errors.js'

/** A host name, an IPv4 address or a bracketed IPv6 one: what may go into the Location header. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/

/**
 * Where a plain-HTTP request goes over HTTPS: the same host (from Host, without its port; else the
 * address the request came in on) on the HTTPS port, the same path and query.
 */
export function httpsLocation(request: IncomingMessage, httpsPort: number): string | undefined {
  const host = request.headers.host
  let name: string
  if (host === undefined) {
    const local = request.socket.localAddress ?? ''
    name = local.startsWith('::ffff:') ? local.slice('::ffff:'.length) : local.includes(':') ? `[${local}]` : local
  } else {
    name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!
  }
  if (!HOST.test(name)) return undefined
  const port = httpsPort === 443 ? '' : `:${httpsPort}`
  return `https://${name}${port}${request.url?.startsWith('/') ? request.url : '/'}`
}

/**
 * `http.tls.redirectPort`: a plain-HTTP listener that answers every request with 308 to the same
 * URL over HTTPS (308 keeps the method and the body, RFC 9110, 15.4.9), so an old bookmark still
 * opens the page. It serves nothing itself: no token or figure crosses it.
 */
export class HttpsRedirect {
  private server: Server | undefined

  /** `httpsPort`: where HTTPS listens (known once it does: port 0 in tests). */
  async listen(host: string, port: number, httpsPort: number): Promise<AddressInfo> {
    const server = createServer({ requireHostHeader: false }, (request, response) => redirect(request, response, httpsPort))
    server.on('clientError', (error, socket) => answerClientError(error, socket, () => {}))
    this.server = server
    return listenOn(server, host, port, 'http.tls.redirectPort')
  }

  get address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined
  }

  async close(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

function redirect(request: IncomingMessage, response: ServerResponse, httpsPort: number): void {
  const location = httpsLocation(request, httpsPort)
  if (location === undefined) {
    const body = JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'the Host header is not a host name or an address' } })
    response.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
    response.end(body)
    return
  }
  const body = `This gateway serves HTTPS: ${location}\n`
  response.writeHead(308, { location, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  response.end(body)
}
