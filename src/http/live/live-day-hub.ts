import type { StockPosition } from '../../gold/stock-reader.js'
import type { Logger } from 'pino'
import type { TopProduct, Totals } from '../../gold/gold-reader.js'
import { addDays } from '../../util/calendar-date.js'
import { dayTagOf } from '../day-etag.js'
import type { EventStream } from './event-stream.js'

/** What the staff page shows of a day: its totals (with last week) and its top products. */
export interface DayView {
  totals: Totals
  top_products: TopProduct[]
  /** The day's stock position (docs/inventory.md): out of stock and running low. */
  stock: StockPosition
}

export interface LiveSources {
  now(): number
  /** The store's date now, on its wall clock. */
  todayOf(storeId: string): string
  /** Today's view of a store: the one gold read a change costs, whatever the number of pages. */
  readToday(storeId: string): DayView
  lastRefreshSeq(): number
  refreshedSince(seq: number, limit: number): { seq: number; days: { store_id: string; sale_date: string }[] }
  /** Pipeline and device health of a store, as the page's health panels show it. */
  healthOf(storeId: string): unknown
}

export interface LiveOptions {
  /**
   * How often gold's refresh log is looked at without a word from gold (a primary-key read): the
   * daemon's own refreshes are told at once (`refreshed()`); this catches a `gold rebuild` by another process.
   */
  pollMs: number
  /** How often health is pushed (and a day change at midnight noticed). */
  healthMs: number
  /** Comment lines between events, so that the page knows the stream is alive. */
  pingMs: number
  /** What the browser waits before reconnecting (the SSE `retry:` field). */
  retryMs: number
  maxStreams: number
}

const DAYS_PER_POLL = 1000

/** A store's today as last read: its JSON, written as is to every page, and that JSON's tag (day-etag.ts). */
interface TodayView {
  date: string
  minute: number
  json: string
  tag: string
}

/** What a stream was opened with. */
export interface StreamOptions {
  /** The Authorization header: `recheck` weighs it again when the tokens change. */
  authorization?: string | undefined
  /**
   * The tag of the day view the page already shows (GET /api/v1/day's ETag): the first `day`
   * event is not sent when today's view has that tag. Later ones are.
   */
  dayTag?: string | undefined
}

/**
 * Live updates for the staff page over server-sent events. Gold's refresh log
 * (`gold.refreshed_days`) is looked at when gold says it refreshed (`refreshed()`), and polled
 * slowly for what other processes write; when it moves, each store with open pages gets its today read
 * once and the same bytes written to every page of the store (`day`), and the store-days that
 * changed are announced (`changed`) so that a page showing a past day refetches only if its day
 * changed. Health is pushed every few seconds, read once per store. A page that connects gets the
 * last view at once, so a reconnect storm after a restart costs one read per store, not per page.
 */
export class LiveDayHub {
  private readonly subscribers = new Map<string, Set<EventStream>>()
  /** Every open stream: the header it was opened with, and how it leaves. */
  private readonly openStreams = new Map<EventStream, { authorization: string | undefined; leave: () => void }>()
  private readonly views = new Map<string, TodayView>()
  private timers: NodeJS.Timeout[] = []
  private seq = 0
  /** Reads of a store's today (for the metrics and the test that many pages cost one read). */
  viewReads = 0
  /** Looks at gold's refresh log because gold said it refreshed (not the poll). */
  refreshNotices = 0
  eventsSent = 0
  streamsOpened = 0

  constructor(
    private readonly sources: LiveSources,
    private readonly options: LiveOptions,
    private readonly logger: Logger,
  ) {}

  get streams(): number {
    return this.openStreams.size
  }

  get full(): boolean {
    return this.streams >= this.options.maxStreams
  }

  /**
   * Opens the stream, sends the store's today (unless the page has it already: `dayTag`) and health
   * at once; returns the unsubscribe.
   */
  subscribe(storeId: string, stream: EventStream, { authorization, dayTag }: StreamOptions = {}): () => void {
    if (this.timers.length === 0) this.startTimers()
    let set = this.subscribers.get(storeId)
    if (set === undefined) {
      set = new Set()
      this.subscribers.set(storeId, set)
    }
    const streams = set
    const leave = (): void => {
      // Idempotent: a stream closed by recheck leaves at once, and again when its socket closes.
      if (!this.openStreams.delete(stream)) return
      streams.delete(stream)
      if (streams.size === 0 && this.subscribers.get(storeId) === streams) {
        this.subscribers.delete(storeId)
        this.views.delete(storeId)
      }
      if (this.subscribers.size === 0) this.stopTimers()
    }
    streams.add(stream)
    this.openStreams.set(stream, { authorization, leave })
    this.streamsOpened++
    stream.open(this.options.retryMs)
    const view = this.views.get(storeId)
    const today = this.guard(() => this.sources.todayOf(storeId))
    const current = view !== undefined && view.date === today ? view : this.guard(() => this.readView(storeId))
    if (current !== undefined && current.tag !== dayTag) this.write(stream, 'day', current.json)
    const health = this.guard(() => JSON.stringify(this.sources.healthOf(storeId)))
    if (health !== undefined) this.write(stream, 'health', health)
    return leave
  }

  /**
   * Ends, at once, every stream whose Authorization `allowed` no longer accepts (the tokens changed
   * on SIGHUP): a stream outlives its request's check, so a changed token must not keep receiving
   * the figures. Nothing more is written to them; their pages reconnect and are checked anew.
   */
  recheck(allowed: (authorization: string | undefined) => boolean): number {
    let closed = 0
    for (const [stream, { authorization, leave }] of this.openStreams) {
      if (allowed(authorization)) continue
      stream.close()
      leave()
      closed++
    }
    return closed
  }

  /**
   * Gold refreshed (the gold thread's `refreshed`): its log is looked at now, not at the next poll,
   * so that a sale reaches the pages as soon as gold has it. Nothing to do while no page is open.
   */
  refreshed(): void {
    if (this.timers.length === 0) return
    this.refreshNotices++
    this.poll()
  }

  /** Ends every stream (the daemon stops: pages reconnect to the next one by themselves). */
  stop(): void {
    this.stopTimers()
    for (const set of this.subscribers.values()) for (const stream of set) stream.close()
    this.subscribers.clear()
    this.openStreams.clear()
    this.views.clear()
  }

  private startTimers(): void {
    this.seq = this.guard(() => this.sources.lastRefreshSeq()) ?? 0
    const every = (ms: number, run: () => void): void => {
      const timer = setInterval(run, ms)
      timer.unref()
      this.timers.push(timer)
    }
    every(this.options.pollMs, () => this.poll())
    every(this.options.healthMs, () => this.pushHealth())
    every(this.options.pingMs, () => this.forEachStream((stream) => stream.ping()))
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
  }

  private poll(): void {
    const last = this.guard(() => this.sources.lastRefreshSeq())
    if (last === undefined || last === this.seq) return
    // A log that went back (gold.db restored from a backup) is followed from where it is now, and
    // every store's today is read again.
    if (last < this.seq) {
      this.seq = last
      for (const [storeId, streams] of this.subscribers) this.pushView(storeId, streams)
      return
    }
    const changed = this.guard(() => this.sources.refreshedSince(this.seq, DAYS_PER_POLL))
    if (changed === undefined) return
    this.seq = changed.seq
    for (const [storeId, streams] of this.subscribers) {
      const dates = [...new Set(changed.days.filter((day) => day.store_id === storeId).map((day) => day.sale_date))]
      if (dates.length === 0) continue
      const today = this.guard(() => this.sources.todayOf(storeId))
      // Today's view also holds the same weekday last week (the comparison).
      if (today !== undefined && (dates.includes(today) || dates.includes(addDays(today, -7)))) this.pushView(storeId, streams)
      const notice = JSON.stringify({ store_id: storeId, dates })
      for (const stream of streams) this.write(stream, 'changed', notice)
    }
  }

  private pushHealth(): void {
    const minute = Math.floor(this.sources.now() / 60_000)
    for (const [storeId, streams] of this.subscribers) {
      // Past midnight the store's today is another day, and last week's "same time" moves with the
      // clock even without a sale: the view is read anew when the day or the minute changed.
      const today = this.guard(() => this.sources.todayOf(storeId))
      const view = this.views.get(storeId)
      if (today !== undefined && (view?.date !== today || view.minute !== minute)) this.pushView(storeId, streams)
      const health = this.guard(() => JSON.stringify(this.sources.healthOf(storeId)))
      if (health !== undefined) for (const stream of streams) this.write(stream, 'health', health)
    }
  }

  private readView(storeId: string): TodayView {
    this.viewReads++
    const day = this.sources.readToday(storeId)
    const json = JSON.stringify(day)
    const view = { date: day.totals.date, minute: Math.floor(this.sources.now() / 60_000), json, tag: dayTagOf(json) }
    this.views.set(storeId, view)
    return view
  }

  private pushView(storeId: string, streams: Set<EventStream>): void {
    const view = this.guard(() => this.readView(storeId))
    if (view !== undefined) for (const stream of streams) this.write(stream, 'day', view.json)
  }

  private write(stream: EventStream, event: string, json: string): void {
    stream.send(event, json)
    this.eventsSent++
  }

  private forEachStream(use: (stream: EventStream) => void): void {
    for (const set of this.subscribers.values()) for (const stream of set) use(stream)
  }

  /** A read that fails (gold.db busy under a rebuild) is logged and tried again at the next tick. */
  private guard<T>(read: () => T): T | undefined {
    try {
      return read()
    } catch (error) {
      this.logger.warn({ err: error }, 'live update read failed; retrying at the next tick')
      return undefined
    }
  }
}
