import pino from 'pino'
import { Registry } from 'prom-client'
import type { GoldReader } from '../../src/gold/gold-reader.js'
import { SHIPPED_TABLE_NAMES } from '../../src/gold/gold-tables.js'
import type { AppDeps } from '../../src/http/app-deps.js'
import type { DeviceHealth, PipelineHealth } from '../../src/http/health-report.js'
import { RoleCheck } from '../../src/http/roles.js'

/** A quiet pipeline: no sale, nothing behind, nothing refused, nothing to upload. */
export const IDLE_PIPELINE: PipelineHealth = {
  now: '2025-05-02T02:00:00.000Z',
  last_sale_received_at: null,
  silver: { lag_sales: 0, lag_seconds: 0, stopped_by: null, error: null },
  gold: { caught_up_at: null, pending_changes: 0, lag_seconds: 0, error: null },
  rejects_today: { since: '2025-05-01T04:00:00.000Z', total: 0, by_reason: [] },
  upload: { target: 'none', pending: 0, oldest_date: null, next_attempt_at: null, last_error: null, last_shipped_at: null, last_pulled_at: null },
  mqtt: { connected_clients: 0 },
}

export const NO_DEVICES: DeviceHealth = {
  store_id: 'store_001',
  date: '2025-05-01',
  silent_after_minutes: 30,
  registered: 0,
  seen_today: 0,
  connected_now: 0,
  silent: 0,
  devices: [],
}

/** The HTTP API's dependencies over a real GoldReader (store_001, New York time), with quiet health. */
export function appDeps(reader: () => GoldReader, overrides: Partial<AppDeps> = {}): AppDeps {
  return {
    storeId: 'store_001',
    timeZoneOf: (storeId) => reader().timeZoneOf(storeId) ?? 'UTC',
    roles: new RoleCheck({}),
    logger: pino({ level: 'silent' }),
    now: () => Date.parse('2025-05-02T02:00:00Z'), // 1 May, 22:00 in New York
    totals: (storeId, date, now) => reader().totals(storeId, date, now),
    topProducts: (storeId, date, limit) => reader().topProducts(storeId, date, limit),
    day: (storeId, date, now, limit) => reader().day(storeId, date, now, limit),
    inventoryDay: (storeId, date, query) => reader().stock.day(storeId, date, { ...query, lowDays: 2 }),
    goldAsOf: () => reader().caughtUpAt(),
    stockPosition: (storeId, date) => reader().stock.position(storeId, date, 2),
    inventoryNow: (storeId, today, query) => reader().stock.now(storeId, today, { ...query, lowDays: 2 }),
    stores: () => reader().stores(),
    refreshedSince: (seq, limit) => reader().refreshedSince(seq, limit),
    lastRefreshSeq: () => reader().lastRefreshSeq(),
    pipelineHealth: () => IDLE_PIPELINE,
    deviceHealth: (storeId) => ({ ...NO_DEVICES, store_id: storeId }),
    dashboard: { locale: 'en-US', currency: { code: 'USD', minorUnitDigits: 2 }, deviceSilentMinutes: 30 },
    assets: undefined,
    goldTable: (table, storeId, from, to, limit) => reader().table(table, storeId, from, to, limit),
    rejects: () => [],
    snapshotsAfter: () => ({ gateway_id: 'test', last_seq: 0, snapshots: [] }),
    snapshotFile: async () => undefined,
    goldTables: SHIPPED_TABLE_NAMES,
    notReady: () => [],
    metrics: new Registry(),
    ...overrides,
  }
}
