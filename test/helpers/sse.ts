import type { Readable } from 'node:stream'

export interface ServerSentEvent {
  event: string
  data: unknown
}

/**
 * Reads server-sent events from a byte stream (an inject() payloadAsStream, or an HTTP response):
 * `next(name)` waits for the next event of that name, skipping others, within a timeout.
 */
export class EventReader {
  private buffer = ''
  private readonly queue: ServerSentEvent[] = []
  private waiter: (() => void) | undefined
  ended = false

  constructor(stream: Readable) {
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      this.buffer += chunk
      let end: number
      while ((end = this.buffer.indexOf('\n\n')) >= 0) {
        const block = this.buffer.slice(0, end)
        this.buffer = this.buffer.slice(end + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event !== undefined && data !== undefined) this.queue.push({ event, data: JSON.parse(data) })
      }
      this.waiter?.()
    })
    stream.on('end', () => {
      this.ended = true
      this.waiter?.()
    })
  }

  /** Every event received so far and not yet taken. */
  drain(): ServerSentEvent[] {
    return this.queue.splice(0)
  }

  async next(name: string, timeoutMs = 30_000): Promise<ServerSentEvent> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.queue.findIndex((event) => event.event === name)
      if (index >= 0) return this.queue.splice(0, index + 1).at(-1)!
      if (this.ended) throw new Error(`the stream ended before a '${name}' event`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no '${name}' event within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiter = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }
}
