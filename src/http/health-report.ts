import type { DeviceActivity } from '../bronze/bronze-reader.js'
import type { DeviceRecord } from '../broker/device-registry.js'
import type { Backlog } from '../delivery/outbox.js'
import type { DeviceSales } from '../gold/gold-reader.js'
import { dateIn, startOfDayIn } from '../util/zoned-time.js'

/** Where the staff page's health panels read from: small functions over the stores and threads. */
export interface HealthSources {
  now(): number
  timeZoneOf(storeId: string): string
  newestSale(): { id: number; received_at: string } | undefined
  /** The silver thread's view of silver: its bronze watermark and why it stopped, if it did. */
  silver(): { watermark: number; failure: { rule: string } | null; lastError: string | null }
  receivedAfter(bronzeId: number): string | undefined
  gold(): { caughtUpAt: string | null; pendingChanges: number; lastError: string | null }
  rejectsSince(receivedAtIso: string): { reason: string; count: number }[]
  upload(): Backlog & { target: string }
  connectedClientIds(): Iterable<string>
  registeredDevices(): DeviceRecord[]
  deviceActivity(): DeviceActivity[]
  /** Each device's sales of a store-day, from gold (as fresh as the totals), amounts in major units. */
  deviceSales(storeId: string, date: string): DeviceSales[]
  deviceSilentMinutes: number
}

/** What the staff page shows of the pipeline (GET /api/v1/pipeline). Times are ISO 8601 UTC. */
export interface PipelineHealth {
  now: string
  last_sale_received_at: string | null
  /** Bronze sales not enriched yet, and how long the oldest of them has waited. */
  silver: { lag_sales: number; lag_seconds: number; stopped_by: string | null; error: string | null }
  /** Silver changes gold has not applied, and since when gold is behind (0 when caught up). */
  gold: { caught_up_at: string | null; pending_changes: number; lag_seconds: number; error: string | null }
  /** Refused messages since the store's midnight, by reason (the messages themselves: admin, /api/v1/rejects). */
  rejects_today: { since: string; total: number; by_reason: { reason: string; count: number }[] }
  upload: {
    target: string
    pending: number
    oldest_date: string | null
    next_attempt_at: string | null
    last_error: string | null
    last_shipped_at: string | null
    last_pulled_at: string | null
  }
  mqtt: { connected_clients: number }
}

export interface DeviceStatus {
  device_id: string
  /** In the device registry (false: an anonymous client, where the config allows them). */
  registered: boolean
  connected: boolean
  last_received_at: string | null
  last_sale_at: string | null
  seen_today: boolean
  /** No new sale for longer than dashboard.deviceSilentMinutes (or never). */
  silent: boolean
  /** Sale lines of the store's today (DeviceHealth.date), from gold: net, as the totals (a return is a line, its amount negative). */
  sales_count: number
  /** Orders (baskets) of today: an order is (device, order_id), so the devices' add up to the day's `order_count`. */
  order_count: number
  /** Units (sum of quantities) of today. */
  units: number
  /** Amount of today, in major units, exact to the minor unit. */
  amount: number
}

/** A store's devices (GET /api/v1/devices): the silent ones first, then by id. */
export interface DeviceHealth {
  store_id: string
  /** The store's today: the day of the devices' sales figures. */
  date: string
  silent_after_minutes: number
  registered: number
  seen_today: number
  connected_now: number
  silent: number
  devices: DeviceStatus[]
}

const seconds = (fromIso: string | null | undefined, nowMs: number): number => (fromIso ? Math.max(0, Math.round((nowMs - Date.parse(fromIso)) / 1000)) : 0)

export function pipelineHealth(sources: HealthSources, storeId: string): PipelineHealth {
  const nowMs = sources.now()
  const newest = sources.newestSale()
  const silver = sources.silver()
  const lagSales = Math.max(0, (newest?.id ?? 0) - silver.watermark)
  const gold = sources.gold()
  const since = new Date(startOfDayIn(sources.timeZoneOf(storeId), dateIn(sources.timeZoneOf(storeId), nowMs))).toISOString()
  const rejects = sources.rejectsSince(since)
  const upload = sources.upload()
  return {
    now: new Date(nowMs).toISOString(),
    last_sale_received_at: newest?.received_at ?? null,
    silver: {
      lag_sales: lagSales,
      lag_seconds: lagSales > 0 ? seconds(sources.receivedAfter(silver.watermark), nowMs) : 0,
      stopped_by: silver.failure?.rule ?? null,
      error: silver.lastError,
    },
    gold: {
      caught_up_at: gold.caughtUpAt,
      pending_changes: gold.pendingChanges,
      lag_seconds: gold.pendingChanges > 0 ? seconds(gold.caughtUpAt, nowMs) : 0,
      error: gold.lastError,
    },
    rejects_today: { since, total: rejects.reduce((sum, row) => sum + row.count, 0), by_reason: rejects },
    upload: {
      target: upload.target,
      pending: upload.pending,
      oldest_date: upload.oldestDate,
      next_attempt_at: upload.nextAttemptAt,
      last_error: upload.lastError,
      last_shipped_at: upload.lastShippedAt,
      last_pulled_at: upload.lastPulledAt,
    },
    mqtt: { connected_clients: [...sources.connectedClientIds()].length },
  }
}

export function deviceHealth(sources: HealthSources, storeId: string): DeviceHealth {
  const nowMs = sources.now()
  const today = dateIn(sources.timeZoneOf(storeId), nowMs)
  const dayStart = startOfDayIn(sources.timeZoneOf(storeId), today)
  const silentBefore = nowMs - sources.deviceSilentMinutes * 60_000
  const connected = new Set(sources.connectedClientIds())
  const registered = new Set(
    sources
      .registeredDevices()
      .filter((device) => device.storeId === storeId)
      .map((device) => device.deviceId),
  )
  const activity = new Map(
    sources
      .deviceActivity()
      .filter((row) => row.store_id === storeId || registered.has(row.device_id))
      .map((row) => [row.device_id, row]),
  )
  // Every device that sold for the store today is listed, so the devices' figures add up to the day's.
  const sales = new Map(sources.deviceSales(storeId, today).map((row) => [row.device_id, row]))
  const devices = [...new Set([...registered, ...activity.keys(), ...sales.keys()])].map((deviceId): DeviceStatus => {
    const last = activity.get(deviceId)
    const receivedMs = last ? Date.parse(last.last_received_at) : Number.NEGATIVE_INFINITY
    const sold = sales.get(deviceId)
    return {
      device_id: deviceId,
      registered: registered.has(deviceId),
      connected: connected.has(deviceId),
      last_received_at: last?.last_received_at ?? null,
      last_sale_at: last ? new Date(last.last_sale_ts_ms).toISOString() : null,
      seen_today: receivedMs >= dayStart,
      silent: receivedMs < silentBefore,
      sales_count: sold?.sales_count ?? 0,
      order_count: sold?.order_count ?? 0,
      units: sold?.units ?? 0,
      amount: sold?.amount ?? 0,
    }
  })
  devices.sort((a, b) => Number(b.silent) - Number(a.silent) || a.device_id.localeCompare(b.device_id))
  return {
    store_id: storeId,
    date: today,
    silent_after_minutes: sources.deviceSilentMinutes,
    registered: registered.size,
    seen_today: devices.filter((device) => device.seen_today).length,
    connected_now: devices.filter((device) => device.connected).length,
    silent: devices.filter((device) => device.silent).length,
    devices,
  }
}
