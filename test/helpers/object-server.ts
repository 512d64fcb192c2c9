import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

export type PutFault = 'status-403' | 'status-500' | 'hang' | 'truncate' | 'wrong-etag' | 'opaque-etag' | 'down'

/** A stand-in for an HTTP PUT upload endpoint that stores objects and can misbehave on cue. */
export class ObjectServer {
  readonly objects = new Map<string, Buffer>()
  readonly puts: string[] = []
  /** Every request that arrived, stored or not (an outage's too), with its headers and body. */
  readonly requests: { key: string; headers: IncomingHttpHeaders; body: Buffer }[] = []
  faults: PutFault[] = []
  /** While set, every request fails this way (an outage). */
  always: PutFault | undefined
  private server: Server | undefined
  port = 0

  /** `tls`: serve HTTPS with this certificate (PEM files). */
  constructor(private readonly tls?: { certFile: string; keyFile: string }) {}

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}/lake`
  }

  async start(): Promise<void> {
    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const key = decodeURIComponent((req.url ?? '').replace(/^\/lake\//, ''))
        const body = Buffer.concat(chunks)
        this.requests.push({ key, headers: req.headers, body })
        const fault = this.always ?? this.faults.shift()
        if (fault === 'down') return req.socket.destroy()
        if (fault === 'hang') return
        if (fault === 'status-403' || fault === 'status-500') return void res.writeHead(Number(fault.slice(7))).end('no')
        if (fault === 'truncate') {
          res.writeHead(200, { 'content-length': 100 })
          res.write('partial')
          return void setTimeout(() => res.socket?.destroy(), 10)
        }
        this.puts.push(key)
        this.objects.set(key, body)
        // An opaque ETag, as S3 gives for SSE-KMS objects: no digest to compare.
        const md5 =
          fault === 'opaque-etag'
            ? 'v7-not-a-digest'
            : createHash('md5')
                .update(fault === 'wrong-etag' ? Buffer.from('other') : body)
                .digest('hex')
        res.writeHead(201, { etag: `"${md5}"` }).end()
      })
    }
    this.server = this.tls ? createHttpsServer({ cert: readFileSync(this.tls.certFile), key: readFileSync(this.tls.keyFile) }, handle) : createServer(handle)
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
  }
}
