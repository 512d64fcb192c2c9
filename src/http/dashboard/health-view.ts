import type { DeviceHealth, PipelineHealth } from '../health-report.js'
import { byId, el, fill } from './dom.js'
import type { Formats } from './format.js'

export type DeviceCounts = Omit<DeviceHealth, 'devices'>

export interface RejectRow {
  id: number
  received_at: string
  topic: string
  reason: string
  detail: string
}

/** A silver or gold lag over this is shown as a problem: the totals are behind the sales. */
const LAG_WARN_SECONDS = 60

/** The gateway and device panels: where the numbers come from and whether they are fresh. */
export class HealthView {
  renderPipeline(formats: Formats, health: PipelineHealth, nowMs: number): void {
    const facts: [string, string, ('ok' | 'bad')?][] = []
    facts.push([
      'Last sale received',
      health.last_sale_received_at ? `${formats.time(health.last_sale_received_at)} (${formats.ago(health.last_sale_received_at, nowMs)})` : 'none yet',
    ])
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
    const rejects = health.rejects_today
    facts.push([
      'Refused today',
      rejects.total === 0
        ? 'none'
        : `${formats.count(rejects.total)} (${rejects.by_reason.map((row) => `${row.reason.replaceAll('_', ' ')} ${formats.count(row.count)}`).join(', ')})`,
      rejects.total > 0 ? 'bad' : undefined,
    ])
    const upload = health.upload
    if (upload.target === 'none') {
      facts.push(['Central', upload.last_pulled_at ? `pulled ${formats.ago(upload.last_pulled_at, nowMs)}` : 'has not pulled yet'])
    } else {
      const waiting = upload.pending === 0 ? 'nothing waiting' : `${formats.count(upload.pending)} waiting since ${upload.oldest_date}`
      const last = upload.last_shipped_at ? `, last upload ${formats.ago(upload.last_shipped_at, nowMs)}` : ', nothing uploaded yet'
      facts.push([`Upload (${upload.target})`, waiting + last, upload.last_error ? 'bad' : undefined])
      if (upload.last_error) facts.push(['Upload error', upload.last_error, 'bad'])
    }
    facts.push(['Connections', formats.count(health.mqtt.connected_clients)])
    fill(
      byId('pipeline'),
      facts.flatMap(([term, value, tone]) => [el('dt', undefined, term), el('dd', tone, value)]),
    )
  }

  renderDeviceCounts(formats: Formats, counts: DeviceCounts): void {
    const silent = counts.silent > 0 ? ` · ${formats.count(counts.silent)} silent for over ${formats.duration(counts.silent_after_minutes * 60)}` : ''
    byId('device-summary').textContent =
      `${formats.count(counts.seen_today)} seen today · ${formats.count(counts.connected_now)} connected now · ${formats.count(counts.registered)} registered${silent}`
  }

  renderDevices(formats: Formats, health: DeviceHealth, nowMs: number): void {
    this.renderDeviceCounts(formats, health)
    const body = byId('devices').querySelector('tbody')!
    if (health.devices.length === 0) {
      const cell = el('td', 'empty', 'No devices yet')
      cell.colSpan = 3
      const row = el('tr')
      row.append(cell)
      fill(body, [row])
      return
    }
    fill(
      body,
      health.devices.map((device) => {
        const row = el('tr', device.silent ? 'silent' : undefined)
        const name = el('th', undefined, device.registered ? device.device_id : `${device.device_id} (anonymous)`)
        name.setAttribute('scope', 'row')
        const last = device.last_received_at ? `${formats.time(device.last_received_at)} (${formats.ago(device.last_received_at, nowMs)})` : 'never'
        row.append(
          name,
          el('td', device.connected ? undefined : 'muted', device.connected ? 'connected' : 'offline'),
          el('td', device.silent ? 'bad' : undefined, device.silent ? `${last}, silent` : last),
        )
        return row
      }),
    )
  }

  renderRejects(formats: Formats, rejects: RejectRow[]): void {
    const body = byId('rejects').querySelector('tbody')!
    fill(
      body,
      rejects.map((reject) => {
        const row = el('tr')
        row.append(
          el('td', undefined, formats.time(reject.received_at)),
          el('td', undefined, reject.reason),
          el('td', undefined, reject.topic),
          el('td', undefined, reject.detail),
        )
        return row
      }),
    )
  }
}
