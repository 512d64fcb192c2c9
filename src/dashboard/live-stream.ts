import type { Api } from './api.js'

export interface LiveHandlers {
  onEvent(event: string, data: unknown): void
  /** The stream is open (again); `false` when it dropped or could not open. */
  onState(open: boolean): void
  /** The gateway refused the token. */
  onAuth(): void
  /** The connection itself failed (refused, reset, no route): the gateway cannot be reached. */
  onUnreachable(): void
}

/** No bytes (events or the server's pings every 15 s) for this long: the stream is dead. */
const SILENCE_MS = 40_000
const MAX_RETRY_MS = 15_000
/** A stream open this long that ends is retried at once; one that ends sooner backs off. */
const STEADY_MS = 5000

/**
 * The live stream (GET /api/v1/events, server-sent events) read with fetch rather than
 * EventSource, so that the bearer token goes in a header, not the URL, and so that a silent dead
 * connection is noticed (a watchdog) and retried with backoff, also across a daemon restart.
 */
export class LiveStream {
  private controller: AbortController | undefined
  private retryMs = 2000
  private failures = 0
  private stopped = false
  private retryTimer: number | undefined

  constructor(
    private readonly api: Api,
    private readonly url: () => string,
    private readonly handlers: LiveHandlers,
  ) {}

  start(): void {
    this.stopped = false
    void this.connect()
  }

  stop(): void {
    this.stopped = true
    window.clearTimeout(this.retryTimer)
    this.controller?.abort()
  }

  private async connect(): Promise<void> {
    const controller = new AbortController()
    this.controller = controller
    let watchdog = window.setTimeout(() => controller.abort(), SILENCE_MS)
    const alive = (): void => {
      window.clearTimeout(watchdog)
      watchdog = window.setTimeout(() => controller.abort(), SILENCE_MS)
    }
    let openedAt: number | undefined
    let response: Response | undefined
    try {
      response = await fetch(this.url(), { headers: { ...this.api.headers(), accept: 'text/event-stream' }, cache: 'no-store', signal: controller.signal })
    } catch {
      // No answer at all: refused, reset or timed out by the watchdog.
    }
    try {
      if (response?.status === 401) {
        this.handlers.onAuth()
        return
      }
      if (response?.ok && response.body !== null) {
        openedAt = Date.now()
        this.failures = 0
        this.handlers.onState(true)
        await this.read(response.body, alive)
      }
    } catch {
      // Dropped mid-stream: reconnected below.
    } finally {
      window.clearTimeout(watchdog)
    }
    if (this.stopped) return
    this.handlers.onState(false)
    if (response === undefined && !controller.signal.aborted) this.handlers.onUnreachable()
    // A stream that ends after it was open a while is asked for again at once: the gateway closed
    // it (a restart, a token that no longer passes) and the answer says which. Otherwise backoff.
    const delay =
      openedAt !== undefined && Date.now() - openedAt >= STEADY_MS
        ? 0
        : Math.min(MAX_RETRY_MS, this.retryMs * 2 ** Math.min(this.failures++, 3)) * (0.75 + Math.random() * 0.5)
    this.retryTimer = window.setTimeout(() => void this.connect(), delay)
  }

  /** Parses text/event-stream as this daemon writes it (LF line ends): blocks split by a blank line; `event:`, `data:`, `retry:`; `:` comments. */
  private async read(body: ReadableStream<Uint8Array>, alive: () => void): Promise<void> {
    const reader = body.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      alive()
      buffer += decoder.decode(value, { stream: true })
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.dispatch(buffer.slice(0, end))
        buffer = buffer.slice(end + 2)
      }
    }
  }

  private dispatch(block: string): void {
    let event = 'message'
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value)
    }
    if (data.length === 0) return
    this.handlers.onEvent(event, JSON.parse(data.join('\n')))
  }
}
