import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Fault = 'status-500' | 'status-403' | 'status-429' | 'cut-mid-body' | 'hang'

/**
 * A stand-in for central's dimension endpoint, on 127.0.0.1: `/dims/{dimension}.csv` with ETags,
 * 304 on If-None-Match, 206 on Range + If-Range, and faults queued per dimension.
 */
export class DimsServer {
  readonly files = new Map<string, { body: string; etag: string }>()
  readonly faults = new Map<string, Fault[]>()
  readonly requests: { dimension: string; url: string; headers: IncomingHttpHeaders; status: number }[] = []
  private server: Server | undefined
  port = 0

  set(dimension: string, body: string, etag: string): void {
    this.files.set(dimension, { body, etag: `"${etag}"` })
  }

  /**
   * When a 'cut-mid-body' download is cut: by default 20 ms after half the body was written. A test
   * that needs the client to have received that half first (a resume) says how to tell.
   */
  cutWhen: () => boolean = () => true

  fail(dimension: string, ...faults: Fault[]): void {
    this.faults.set(dimension, [...(this.faults.get(dimension) ?? []), ...faults])
  }

  get urlTemplate(): string {
    return `http://127.0.0.1:${this.port}/dims/{dimension}.csv?store={store_id}`
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const dimension = /\/dims\/(\w+)\.csv/.exec(req.url ?? '')?.[1] ?? ''
      const answer = (status: number): void => void this.requests.push({ dimension, url: req.url ?? '', headers: req.headers, status })
      const fault = this.faults.get(dimension)?.shift()
      const file = this.files.get(dimension)
      if (fault === 'hang') return answer(0)
      if (fault?.startsWith('status-')) {
        const status = Number(fault.slice(7))
        answer(status)
        res.writeHead(status).end('no')
        return
      }
      if (!file) {
        answer(404)
        res.writeHead(404).end()
        return
      }
      if (req.headers['if-none-match'] === file.etag) {
        answer(304)
        res.writeHead(304, { etag: file.etag }).end()
        return
      }
      const body = Buffer.from(file.body)
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
      if (range && req.headers['if-range'] === file.etag) {
        const from = Number(range[1])
        answer(206)
        res.writeHead(206, {
          etag: file.etag,
          'content-type': 'text/csv',
          'content-range': `bytes ${from}-${body.length - 1}/${body.length}`,
          'content-length': body.length - from,
        })
        res.end(body.subarray(from))
        return
      }
      answer(200)
      res.writeHead(200, { etag: file.etag, 'content-type': 'text/csv', 'content-length': body.length })
      if (fault === 'cut-mid-body') {
        res.write(body.subarray(0, Math.floor(body.length / 2)))
        const cut = (): void => {
          if (this.cutWhen()) res.socket?.destroy()
          else setTimeout(cut, 5)
        }
        setTimeout(cut, 20)
        return
      }
      res.end(body)
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
  }
}
