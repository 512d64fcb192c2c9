import type { ServerResponse } from 'node:http'

/** A client that reads no more than this is dropped: a stuck page must not hold the daemon's memory. */
const MAX_BUFFERED_BYTES = 1024 * 1024

/**
 * One server-sent events response (text/event-stream, WHATWG HTML "Server-sent events"). `data`
 * is one line of JSON (JSON.stringify writes no newlines), so each event is one `data:` field.
 */
export class EventStream {
  private closed = false

  constructor(private readonly response: ServerResponse) {
    response.once('close', () => (this.closed = true))
  }

  /** Sends the headers and how long a browser waits before it reconnects by itself. */
  open(retryMs: number): void {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // A reverse proxy (nginx) must pass events on at once, not buffer them.
      'x-accel-buffering': 'no',
    })
    this.write(`retry: ${retryMs}\n\n`)
  }

  get isOpen(): boolean {
    return !this.closed
  }

  send(event: string, json: string): void {
    this.write(`event: ${event}\ndata: ${json}\n\n`)
  }

  /** A comment line: keeps proxies and the page's watchdog from thinking the stream is dead. */
  ping(): void {
    this.write(': ping\n\n')
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.response.end()
  }

  private write(text: string): void {
    if (this.closed) return
    if (this.response.writableLength > MAX_BUFFERED_BYTES) {
      this.response.destroy()
      this.closed = true
      return
    }
    this.response.write(text)
  }
}
