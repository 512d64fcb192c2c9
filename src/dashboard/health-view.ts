import type { DeviceHealth, DeviceStatus, PipelineHealth } from '../http/health-report.js'
import { byId, el, fill } from './dom.js'
import type { Formats } from './format.js'
import type { RelativeTimes } from './relative-times.js'

export type DeviceCounts = Omit<DeviceHealth, 'devices'>

export interface RejectRow {
  id: number
  received_at: string
  topic: string
  reason: string
  detail: string
}

/** A device's figures today (GET /api/v1/devices, when the gateway gives them). */
type DeviceRow = DeviceStatus & { sales_count?: number; order_count?: number; amount?: number }

/** A silver or gold lag over this is shown as a problem: the totals are behind the sales. */
const LAG_WARN_SECONDS = 60

/** A fact's value: text, or text with a relative time in it. */
type Value = string | (string | Node)[]
/**
 * `bad`: something staff should act on (a till silent in trading hours, totals stuck), in bold red;
 * `note`: worth knowing, not alarming (messages the gateway refused from a misconfigured device).
 */
type Tone = 'ok' | 'bad' | 'note'

/** The gateway and device panels: where the numbers come from and whether they are fresh. */
export class HealthView {
  private counts: DeviceCounts | undefined

  constructor(private readonly times: RelativeTimes) {}

  renderPipeline(formats: Formats, health: PipelineHealth): void {
    const facts: [string, Value, Tone?][] = []
    // The loudest first: a till that stopped sending loses the store's figures.
    const counts = this.counts
    if (counts && counts.silent > 0) {
      facts.push(['Devices', `${formats.count(counts.silent)} silent for over ${formats.duration(counts.silent_after_minutes * 60)}`, 'bad'])
    }
    facts.push(['Last sale received', health.last_sale_received_at ? this.timeAndAgo(formats, health.last_sale_received_at) : 'none yet'])
    const silver = health.silver
    if (silver.stopped_by) facts.push(['Enrichment', `stopped by the rule ${silver.stopped_by}`, 'bad'])
    else if (silver.error) facts.push(['Enrichment', `failing: ${silver.error}`, 'bad'])
    else if (silver.lag_sales === 0) facts.push(['Enrichment', 'up to date', 'ok'])
    else
      facts.push([
        'Enrichment',
        `${formats.count(silver.lag_sales)} sales waiting for ${formats.duration(silver.lag_seconds)}`,
        silver.lag_seconds > LAG_WARN_SECONDS ? 'bad' : undefined,
      ])
    const gold = health.gold
    if (gold.error) facts.push(['Totals', `not refreshed: ${gold.error}`, 'bad'])
    else if (gold.pending_changes === 0) facts.push(['Totals', 'up to date', 'ok'])
    else facts.push(['Totals', `${formats.duration(gold.lag_seconds)} behind`, gold.lag_seconds > LAG_WARN_SECONDS ? 'bad' : undefined])
    const upload = health.upload
    if (upload.target === 'none') {
      facts.push(['Central', upload.last_pulled_at ? ['pulled ', this.times.element(upload.last_pulled_at)] : 'has not pulled yet'])
    } else {
      const waiting = upload.pending === 0 ? 'nothing waiting' : `${formats.count(upload.pending)} waiting since ${formats.shortDay(upload.oldest_date!)}`
      const last: Value = upload.last_shipped_at ? [', last upload ', this.times.element(upload.last_shipped_at)] : [', nothing uploaded yet']
      facts.push([`Upload (${upload.target})`, [waiting, ...last], upload.last_error ? 'bad' : undefined])
      if (upload.last_error) facts.push(['Upload error', upload.last_error, 'bad'])
    }
    const rejects = health.rejects_today
    facts.push([
      'Refused today',
      rejects.total === 0
        ? 'none'
        : `${formats.count(rejects.total)} (${rejects.by_reason.map((row) => `${row.reason.replaceAll('_', ' ')}: ${formats.count(row.count)}`).join(', ')})`,
      rejects.total > 0 ? 'note' : undefined,
    ])
    facts.push(['Connections', formats.count(health.mqtt.connected_clients)])
    fill(
      byId('pipeline'),
      facts.flatMap(([term, value, tone]) => {
        const dd = el('dd', tone)
        dd.append(...(typeof value === 'string' ? [value] : value))
        return [el('dt', undefined, term), dd]
      }),
    )
    this.times.refresh()
  }

  renderDeviceCounts(formats: Formats, counts: DeviceCounts): void {
    this.counts = counts
    const summary = byId('device-summary')
    summary.replaceChildren(
      `${formats.count(counts.seen_today)} seen today · ${formats.count(counts.connected_now)} connected now · ${formats.count(counts.registered)} registered`,
    )
    if (counts.silent > 0)
      summary.append(' · ', el('strong', 'bad', `${formats.count(counts.silent)} silent for over ${formats.duration(counts.silent_after_minutes * 60)}`))
  }

  renderDevices(formats: Formats, health: DeviceHealth): void {
    this.renderDeviceCounts(formats, health)
    const body = byId('devices').querySelector('tbody')!
    if (health.devices.length === 0) {
      const cell = el('td', 'empty', 'No devices yet')
      cell.colSpan = 5
      const row = el('tr')
      row.append(cell)
      fill(body, [row])
      return
    }
    fill(
      body,
      (health.devices as DeviceRow[]).map((device) => {
        const row = el('tr', device.silent ? 'silent' : undefined)
        const name = el('th', undefined, device.registered ? device.device_id : `${device.device_id} (anonymous)`)
        name.setAttribute('scope', 'row')
        const last = el('td', device.silent ? 'bad' : undefined)
        last.append(...(device.last_received_at ? this.timeAndAgo(formats, device.last_received_at) : ['never']), device.silent ? ', silent' : '')
        const amount = el('td', 'num', device.amount === undefined ? '' : formats.money(device.amount))
        if (device.amount !== undefined) amount.dataset.value = String(device.amount)
        const orders = el('td', 'num', device.order_count === undefined ? '' : formats.count(device.order_count))
        if (device.order_count !== undefined) orders.dataset.value = String(device.order_count)
        row.append(name, el('td', 'now', device.connected ? 'connected' : 'offline'), amount, orders, last)
        return row
      }),
    )
    this.times.refresh()
  }

  renderRejects(formats: Formats, rejects: RejectRow[]): void {
    const body = byId('rejects').querySelector('tbody')!
    fill(
      body,
      rejects.map((reject) => {
        const row = el('tr')
        row.append(
          el('td', 'when', formats.time(reject.received_at)),
          el('td', undefined, reject.reason.replaceAll('_', ' ')),
          el('td', 'topic', reject.topic),
          el('td', 'detail', reject.detail),
        )
        return row
      }),
    )
  }

  private timeAndAgo(formats: Formats, instant: string): (string | Node)[] {
    return [`${formats.time(instant)} (`, this.times.element(instant), ')']
  }
}
