import type { Logger } from 'pino'
import type { StockImportSummary } from '../bronze/import-stock-file.js'
import type { RecordFormat } from '../util/record-format.js'
import type { Registry } from 'prom-client'
import type { SnapshotPage } from '../contract/snapshot-pull.js'
import type { SnapshotFile } from '../delivery/snapshot-reader.js'
import type { StoreRecord, TopProduct, Totals } from '../gold/gold-reader.js'
import type { StockNow, StockPageQuery, StockPosition } from '../gold/stock-reader.js'
import type { WallClock } from '../util/zoned-time.js'
import type { DashboardAssets } from './dashboard-assets.js'
import type { DeviceHealth, PipelineHealth } from './health-report.js'
import type { DayView, LiveOptions } from './live/live-day-hub.js'
import type { RoleCheck } from './roles.js'

/** A page of the stock API, as the request asks for it (the daemon knows `inventory.lowDays`). */
export type StockQuery = Omit<StockPageQuery, 'lowDays'>

/** What the HTTP API reads; plain functions, so tests can give their own. */
export interface AppDeps {
  storeId: string
  /** The store's time zone now (dim_store, else the config's): what "today" means. */
  timeZoneOf: (storeId: string) => string
  /** The bearer-token roles (the gateway updates their tokens on SIGHUP). */
  roles: RoleCheck
  logger: Logger
  now: () => number
  /** `now`: the store's wall clock when the date is today (last week's comparison stops there). */
  totals: (storeId: string, date: string, now?: WallClock) => Totals
  topProducts: (storeId: string, date: string, limit: number) => TopProduct[]
  /** Totals and top products from one gold state (what the staff page shows of a day, with its stock). */
  day: (storeId: string, date: string, now: WallClock | undefined, limit: number) => Omit<DayView, 'stock'>
  /** A store-day's stock as the staff page shows it, with `inventory.lowDays` applied. */
  stockPosition: (storeId: string, date: string) => StockPosition
  /** A page of a store-day's stock position (gold.fact_inventory rows), with `inventory.lowDays` applied to the `low` filter. */
  inventoryDay: (storeId: string, date: string, query: StockQuery) => { rows: Record<string, unknown>[]; next_after: number | null }
  /** Each product's stock now (the last day with rows up to `today`), with `inventory.lowDays` applied. */
  inventoryNow: (storeId: string, today: string, query: StockQuery) => { date: string | null; products: StockNow[]; next_after: number | null }
  /** Stock counts posted by an admin, stored in bronze as a device's events would be (undefined: not offered). */
  importStock?: (body: Uint8Array, format: RecordFormat, deviceId: string, allowRejects: boolean) => Promise<StockImportSummary>
  /** When gold last caught up with silver (the `as_of` of the stock figures). */
  goldAsOf: () => string | null
  /** The stores this gateway serves: the config's, dim_store's, and those its devices sell for. */
  stores: () => StoreRecord[]
  /** Gold's refresh log: what the live stream follows. */
  refreshedSince: (seq: number, limit: number) => { seq: number; days: { store_id: string; sale_date: string }[] }
  lastRefreshSeq: () => number
  /**
   * Registers the listener told each time gold refreshed (the gold thread's `refreshed` message):
   * the live stream then looks at the refresh log at once. Without it, only the poll (`live.pollMs`).
   */
  onGoldRefreshed?: (listener: () => void) => void
  pipelineHealth: (storeId: string) => PipelineHealth
  deviceHealth: (storeId: string) => DeviceHealth
  dashboard: {
    locale: string
    currency: { code: string; minorUnitDigits: number }
    deviceSilentMinutes: number
  }
  /** The built staff page (undefined: not built, GET / answers 503). */
  assets: DashboardAssets | undefined
  live?: Partial<LiveOptions>
  goldTable: (table: string, storeId: string, from: string, to: string, limit: number) => Record<string, unknown>[]
  rejects: (query: { limit: number; reason?: string; before?: number }) => Record<string, unknown>[]
  /** The snapshots after a cursor; asking acknowledges everything up to it. */
  snapshotsAfter: (cursor: number, limit: number, gatewayId?: string) => SnapshotPage
  snapshotFile: (snapshotId: string, path: string) => Promise<SnapshotFile | 'gone' | undefined>
  goldTables: readonly string[]
  /** Why the daemon is not ready (empty: ready). */
  notReady: () => string[]
  metrics: Registry
}
