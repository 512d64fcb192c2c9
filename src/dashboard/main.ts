import { addDays, isCalendarDate } from '../util/calendar-date.js'
import type { DeviceHealth, PipelineHealth } from '../http/health-report.js'
import type { DayView as LiveDay } from '../http/live/live-day-hub.js'
import { Api, AuthError, UnreachableError } from './api.js'
import { COMPARE_KEYS, saveCompareKey, savedCompareKey, type CompareKey } from './comparison.js'
import { DayView } from './day-view.js'
import { StockView } from './stock-view.js'
import { afterPaint, byId, el } from './dom.js'
import { Formats, warmUpFormats } from './format.js'
import { HealthView, type DeviceCounts, type RejectRow } from './health-view.js'
import { LiveStream } from './live-stream.js'
import { RelativeTimes } from './relative-times.js'
import './styles.css'

type Tagged<T> = { body: T; etag: string | null }

interface StoreInfo {
  store_id: string
  store_name: string
  timezone: string
  today: string
}

interface Session {
  roles: string[]
  store_id: string
  stores: StoreInfo[]
  currency: { code: string; minor_unit_digits: number }
  locale: string
  device_silent_minutes: number
}

/** While the live stream is down, the shown day and the health are fetched this often. */
const POLL_MS = 5000
const FIRST_TOTALS_MARK = 'medallion:first-totals'
/** The device list is fetched again at least this often (the stream pushes only its counts). */
const DEVICES_MS = 60_000
/** The gateway's shortest token (config: http.tokens.* are at least 16 characters). */
const MIN_TOKEN_LENGTH = 16

/**
 * The staff page: asks the gateway who we are (a token form if it wants one), then shows the
 * store's day, kept live by the event stream, falling back to polling while the stream is down and
 * saying on screen when the gateway cannot be reached, with the time the figures are from.
 */
class Dashboard {
  private readonly api = new Api(localStorage, sessionStorage)
  private readonly day = new DayView()
  private readonly stock = new StockView()
  private readonly times = new RelativeTimes(document)
  private readonly health = new HealthView(this.times)
  private compareKey: CompareKey = savedCompareKey(localStorage)
  private session: Session | undefined
  private store: StoreInfo | undefined
  private formats: Formats | undefined
  private shownDate = ''
  private live: LiveDay | undefined
  private stream: LiveStream | undefined
  private streamOpen = false
  private unreachableSince: number | undefined
  private asOf: string | null = null
  private pollTimer: number | undefined
  private devicesTimer: number | undefined
  private deviceCounts = ''
  /** The day shown last, drawn again when the comparison changes. */
  private shown: LiveDay | undefined
  private rejectsTotal = -1
  private firstTotalsShown = false
  /** The day in the address (or the default store's today), asked for with the session, not after it. */
  private early: Promise<Tagged<LiveDay>> | undefined
  /** The ETag of today's figures as last fetched: the stream does not send them again. */
  private todayTag: string | null = null

  async boot(): Promise<void> {
    const asked = new URLSearchParams(location.search)
    const query = { store_id: asked.get('store') ?? undefined, date: asked.get('date') ?? undefined }
    this.early = this.api.getTagged<LiveDay>('/api/v1/day', query)
    this.early.catch(() => undefined) // its failure is the session's to report
    warmUpFormats(document.documentElement.dataset.locale ?? 'en-US', document.documentElement.dataset.currency ?? 'USD')
    try {
      this.session = await this.sessionWithoutStaleToken()
    } catch (error) {
      if (error instanceof AuthError) return this.askForToken(this.api.token ? 'The gateway refused the saved token. Type the current one.' : undefined)
      this.setUnreachable(true)
      window.setTimeout(() => void this.boot(), POLL_MS)
      return
    }
    this.setUnreachable(false)
    this.showSignIn(false)
    byId('role').textContent = `Signed in as ${this.session.roles.join(', ')}`
    byId('sign-out').hidden = this.api.token === null
    byId('rejects-admin').hidden = !this.session.roles.includes('admin')
    // Voided lines are the till's corrections: the manager's (admin's) business, not the floor's.
    byId('voids-admin').hidden = !this.session.roles.includes('admin')
    const params = new URLSearchParams(location.search)
    const storeId = this.session.stores.some((store) => store.store_id === params.get('store')) ? params.get('store')! : this.session.store_id
    this.fillStorePicker(storeId)
    this.selectStore(storeId, params.get('date') ?? undefined)
  }

  /** The token form, or the figures: the day controls and the footer's sign-in link only with the figures. */
  private showSignIn(signIn: boolean): void {
    byId('sign-in').hidden = !signIn
    byId('figures').hidden = signIn
    byId('day-nav').hidden = signIn
    byId('sign-in-open').hidden = signIn
    if (signIn) {
      byId('role').textContent = ''
      byId('sign-out').hidden = true
    }
  }

  /**
   * The session; a saved token the gateway now refuses is dropped when the page is open without one
   * (staff open), so a rotated admin token cannot lock the shop floor out of its own page.
   */
  private async sessionWithoutStaleToken(): Promise<Session> {
    try {
      return await this.api.get<Session>('/api/v1/session')
    } catch (error) {
      if (!(error instanceof AuthError) || this.api.token === null) throw error
      const refused = this.api.token
      this.api.saveToken(null)
      try {
        return await this.api.get<Session>('/api/v1/session')
      } catch (retry) {
        this.api.saveToken(refused)
        throw retry
      }
    }
  }

  private fillStorePicker(selected: string): void {
    const stores = this.session!.stores
    byId('store-picker-label').hidden = stores.length < 2
    const picker = byId<HTMLSelectElement>('store-picker')
    picker.replaceChildren(
      ...stores.map((store) => {
        const option = el('option', undefined, store.store_name === store.store_id ? store.store_id : `${store.store_name} (${store.store_id})`)
        option.value = store.store_id
        option.selected = store.store_id === selected
        return option
      }),
    )
  }

  private selectStore(storeId: string, date?: string): void {
    const session = this.session!
    this.store = session.stores.find((store) => store.store_id === storeId) ?? session.stores[0]!
    this.formats = new Formats(session.locale, session.currency, this.store.timezone)
    this.times.start(this.formats)
    byId('store-name').textContent = this.store.store_name
    this.live = undefined
    this.deviceCounts = ''
    this.stream?.stop()
    this.streamOpen = false
    const streamUrl = `/api/v1/events?store_id=${encodeURIComponent(this.store.store_id)}`
    this.todayTag = null
    const stream = new LiveStream(this.api, () => (this.todayTag ? `${streamUrl}&day_etag=${encodeURIComponent(this.todayTag)}` : streamUrl), {
      onEvent: (event, data) => this.onLiveEvent(event, data),
      onState: (open) => this.onStreamState(open),
      onAuth: () => this.askForToken('The gateway refused the token. Type the current one.'),
      onUnreachable: () => this.setUnreachable(true),
    })
    this.stream = stream
    window.clearInterval(this.devicesTimer)
    this.stopPolling()
    this.showDayNotice(date === undefined ? undefined : this.dateProblem(date))
    // The figures first; the live stream once they are on screen (its first health event brings
    // the device list).
    void this.showDate(date && isCalendarDate(date) ? date : this.store.today).then(() =>
      afterPaint(() => {
        if (this.stream !== stream) return // another store was picked meanwhile
        stream.start()
        this.devicesTimer = window.setInterval(() => void this.loadDevices(), DEVICES_MS)
      }),
    )
  }

  /** What is wrong with a day asked for in the address, or undefined when it can be shown. */
  private dateProblem(date: string): string | undefined {
    if (!isCalendarDate(date)) return `The address asks for the day “${date}”, which is not a date (YYYY-MM-DD): showing today.`
    if (date > this.today) return `The address asks for ${this.formats!.day(date)}, which has not come yet: showing today.`
    return undefined
  }

  private showDayNotice(text: string | undefined): void {
    const notice = byId('day-notice')
    notice.hidden = text === undefined
    notice.textContent = text ?? ''
  }

  private get today(): string {
    return this.store!.today
  }

  showDate(date: string): Promise<void> {
    this.shownDate = date > this.today ? this.today : date
    const url = new URL(location.href)
    url.searchParams.set('date', this.shownDate)
    url.searchParams.set('store', this.store!.store_id)
    history.replaceState(null, '', url)
    const input = byId<HTMLInputElement>('date')
    input.value = this.shownDate
    input.max = this.today
    byId<HTMLButtonElement>('next-day').disabled = this.shownDate >= this.today
    byId<HTMLButtonElement>('today').disabled = this.shownDate === this.today
    // The gateway and device panels are about now: shown with today only.
    byId('now-panels').hidden = this.shownDate !== this.today
    this.updateConnection()
    if (this.shownDate !== this.today || this.live?.totals.date !== this.shownDate) return this.fetchDay()
    this.renderDay(this.live)
    return Promise.resolve()
  }

  private async fetchDay(): Promise<void> {
    const date = this.shownDate
    const storeId = this.store!.store_id
    const early = this.early
    this.early = undefined
    try {
      const prefetched = await early?.catch(() => undefined)
      const { body: view, etag } =
        prefetched?.body.totals.date === date && prefetched.body.totals.store_id === storeId
          ? prefetched
          : await this.api.getTagged<LiveDay>('/api/v1/day', { date, store_id: storeId })
      this.setUnreachable(false)
      if (storeId !== this.store!.store_id) return // another store was picked meanwhile
      if (date === this.today) {
        this.live = view
        this.todayTag = etag
      }
      if (date === this.shownDate) this.renderDay(view)
    } catch (error) {
      this.onFailure(error)
    }
  }

  private renderDay(view: LiveDay): void {
    // Time to first totals, for the benchmark: marked once the frame that shows them is painted
    // (scheduled before the breakdowns, which are drawn after that frame).
    if (!this.firstTotalsShown) {
      this.firstTotalsShown = true
      afterPaint(() => performance.mark(FIRST_TOTALS_MARK))
    }
    this.shown = view
    this.asOf = view.totals.as_of
    const isToday = view.totals.date === this.today
    this.day.render(this.formats!, view.totals, view.top_products, { isToday, ...this.formats!.clockNow(Date.now()) }, this.compareKey)
    this.stock.render(this.formats!, view.stock, isToday, this.session!.roles.includes('admin'))
    this.updateConnection()
  }

  private onLiveEvent(event: string, data: unknown): void {
    this.setUnreachable(false)
    if (event === 'day') {
      const view = data as LiveDay
      // Past midnight the stream's today is the next day: a page that showed today follows it.
      const followed = this.shownDate === this.today
      this.live = view
      this.todayTag = null // the page has newer figures than the tag's
      this.store!.today = view.totals.date
      if (followed) void this.showDate(view.totals.date)
    } else if (event === 'changed') {
      const { dates } = data as { dates: string[] }
      if (this.shownDate !== this.today && dates.includes(this.shownDate)) void this.fetchDay()
    } else if (event === 'health') {
      const { pipeline, devices } = data as { pipeline: PipelineHealth; devices: DeviceCounts }
      const counts = JSON.stringify(devices)
      if (counts !== this.deviceCounts) {
        this.deviceCounts = counts
        this.health.renderDeviceCounts(this.formats!, devices)
        void this.loadDevices()
      }
      this.renderPipeline(pipeline)
    }
  }

  private renderPipeline(pipeline: PipelineHealth): void {
    this.health.renderPipeline(this.formats!, pipeline)
    if (this.session!.roles.includes('admin') && pipeline.rejects_today.total !== this.rejectsTotal) {
      this.rejectsTotal = pipeline.rejects_today.total
      void this.loadRejects()
    }
  }

  private async loadDevices(): Promise<void> {
    const storeId = this.store!.store_id
    try {
      const devices = await this.api.get<DeviceHealth>('/api/v1/devices', { store_id: storeId })
      if (storeId !== this.store!.store_id) return // another store was picked meanwhile
      this.deviceCounts = JSON.stringify({ ...devices, devices: undefined })
      this.health.renderDevices(this.formats!, devices)
    } catch (error) {
      this.onFailure(error)
    }
  }

  private async loadRejects(): Promise<void> {
    try {
      const { rejects } = await this.api.get<{ rejects: RejectRow[] }>('/api/v1/rejects', { limit: 20 })
      this.health.renderRejects(this.formats!, rejects)
    } catch (error) {
      this.onFailure(error)
    }
  }

  private onStreamState(open: boolean): void {
    this.streamOpen = open
    if (!open) {
      // The stream is down: the figures are fetched every few seconds while it reconnects by
      // itself. Its retries do not restart this clock: the page says within POLL_MS what it knows.
      this.pollTimer ??= window.setInterval(() => void this.poll(), POLL_MS)
    } else {
      this.stopPolling()
      if (this.shownDate !== this.today) void this.fetchDay() // changes missed while the stream was down
    }
    this.updateConnection()
  }

  private stopPolling(): void {
    window.clearInterval(this.pollTimer)
    this.pollTimer = undefined
  }

  private async poll(): Promise<void> {
    // Without the stream nobody says midnight has passed: the store's clock does.
    const storeToday = this.formats!.dateNow(Date.now())
    if (storeToday > this.today) {
      const following = this.shownDate === this.today
      this.store!.today = storeToday
      if (following) {
        await this.showDate(storeToday)
        return
      }
    }
    await this.fetchDay()
    if (this.deviceCounts === '') await this.loadDevices() // the stream never brought them
    try {
      this.renderPipeline(await this.api.get<PipelineHealth>('/api/v1/pipeline', { store_id: this.store!.store_id }))
    } catch (error) {
      this.onFailure(error)
    }
  }

  private onFailure(error: unknown): void {
    if (error instanceof AuthError) this.askForToken('The gateway refused the token. Type the current one.')
    else if (error instanceof UnreachableError) this.setUnreachable(true)
    else byId('connection').textContent = `The gateway answered with an error: ${(error as Error).message}`
  }

  private setUnreachable(unreachable: boolean): void {
    if (unreachable && this.unreachableSince === undefined) this.unreachableSince = Date.now()
    if (!unreachable) this.unreachableSince = undefined
    this.updateConnection()
  }

  /**
   * Says how fresh the figures are; a gateway out of reach is said in words, and the figures
   * dimmed. Every time in it is on the store's clock, in the page's one format.
   */
  private updateConnection(): void {
    const status = byId('connection')
    const formats = this.formats
    const asOf = this.asOf && formats ? formats.time(this.asOf) : undefined
    byId('figures').classList.toggle('stale', this.unreachableSince !== undefined)
    if (this.unreachableSince !== undefined) {
      status.dataset.state = 'offline'
      const since = formats ? `since ${formats.time(this.unreachableSince)}` : 'now'
      status.textContent = `Cannot reach the gateway ${since}. ${asOf ? `The figures shown are as of ${asOf}.` : 'No figures yet.'} Retrying…`
    } else if (this.store && this.shownDate && this.shownDate !== this.today) {
      status.dataset.state = 'past'
      status.textContent = `Showing a past day, ${formats!.day(this.shownDate)}: not live`
    } else if (this.streamOpen) {
      status.dataset.state = 'live'
      status.textContent = 'Live'
    } else {
      status.dataset.state = 'polling'
      status.textContent = `Live updates interrupted; refreshing every ${POLL_MS / 1000} s`
    }
  }

  /** A day picked on the page (the address's complaint, if any, is answered). */
  private goTo(date: string): void {
    this.showDayNotice(undefined)
    void this.showDate(date)
  }

  askForToken(why?: string): void {
    this.stream?.stop()
    this.streamOpen = false
    this.stopPolling()
    window.clearInterval(this.devicesTimer)
    this.showSignIn(true)
    byId('sign-in-error').textContent = why ?? ''
    byId('sign-in-cancel').hidden = this.session === undefined || why !== undefined
    byId('connection').textContent = 'Waiting for an access token'
    delete byId('connection').dataset.state
    byId<HTMLInputElement>('token').focus()
  }

  async signIn(token: string): Promise<void> {
    if (token.length < MIN_TOKEN_LENGTH) {
      byId('sign-in-error').textContent =
        `Access tokens are at least ${MIN_TOKEN_LENGTH} characters long; this one has ${token.length}. Check it and try again.`
      byId<HTMLInputElement>('token').select()
      return
    }
    const previous = this.api.token
    this.api.saveToken(token)
    try {
      // An admin token is kept for this tab only: a shared till-side screen must not keep it.
      const session = await this.api.get<Session>('/api/v1/session')
      this.api.saveToken(token, session.roles.includes('admin') ? 'tab' : 'browser')
    } catch (error) {
      this.api.saveToken(previous)
      byId('sign-in-error').textContent =
        error instanceof AuthError ? 'That token was refused by the gateway. Check it and try again.' : 'The gateway cannot be reached. Try again in a moment.'
      byId<HTMLInputElement>('token').select()
      return
    }
    byId<HTMLInputElement>('token').value = ''
    await this.boot()
  }

  wire(): void {
    byId('prev-day').addEventListener('click', () => this.goTo(addDays(this.shownDate, -1)))
    byId('next-day').addEventListener('click', () => this.goTo(addDays(this.shownDate, 1)))
    byId('today').addEventListener('click', () => this.goTo(this.today))
    byId<HTMLInputElement>('date').addEventListener('change', (event) => {
      const value = (event.target as HTMLInputElement).value
      if (value) this.goTo(value)
    })
    byId<HTMLSelectElement>('store-picker').addEventListener('change', (event) => this.selectStore((event.target as HTMLSelectElement).value))
    byId('sign-in').addEventListener('submit', (event) => {
      event.preventDefault()
      void this.signIn(byId<HTMLInputElement>('token').value.trim())
    })
    byId('sign-in-open').addEventListener('click', () => this.askForToken())
    byId('sign-out').addEventListener('click', () => {
      this.api.saveToken(null)
      void this.boot()
    })
    byId('sign-in-cancel').addEventListener('click', () => void this.boot())
    const compare = byId<HTMLSelectElement>('compare')
    compare.value = this.compareKey
    compare.addEventListener('change', () => {
      this.compareKey = COMPARE_KEYS.find((key) => key === compare.value) ?? 'last_week'
      saveCompareKey(localStorage, this.compareKey)
      if (this.shown) this.renderDay(this.shown)
    })
  }
}

const dashboard = new Dashboard()
dashboard.wire()
void dashboard.boot()
