import { describe, expect, it } from 'vitest'
import { deviceHealth, pipelineHealth, type HealthSources } from '../../src/http/health-report.js'

/** 1 May 2025, 10:00 in New York. */
const NOW = Date.parse('2025-05-01T14:00:00Z')

function sources(overrides: Partial<HealthSources> = {}): HealthSources {
  return {
    now: () => NOW,
    timeZoneOf: () => 'America/New_York',
    newestSale: () => ({ id: 120, received_at: '2025-05-01T13:59:58.000Z' }),
    silver: () => ({ watermark: 100, failure: null, lastError: null }),
    receivedAfter: (id) => (id === 100 ? '2025-05-01T13:59:30.000Z' : undefined),
    gold: () => ({ caughtUpAt: '2025-05-01T13:59:00.000Z', pendingChanges: 3, lastError: null }),
    rejectsSince: (since) =>
      since === '2025-05-01T04:00:00.000Z'
        ? [
            { reason: 'invalid_json', count: 2 },
            { reason: 'bad_timestamp', count: 1 },
          ]
        : [],
    upload: () => ({
      target: 's3',
      pending: 2,
      oldestDate: '2025-04-30',
      nextAttemptAt: null,
      lastError: 'HTTP 503',
      lastShippedAt: '2025-05-01T12:00:00.000Z',
      lastPulledAt: null,
    }),
    connectedClientIds: () => ['till-1', 'sim-0001'],
    registeredDevices: () => [
      { deviceId: 'till-1', storeId: 'store_001', createdAt: '' },
      { deviceId: 'till-2', storeId: 'store_001', createdAt: '' },
      { deviceId: 'till-9', storeId: 'store_002', createdAt: '' },
    ],
    deviceActivity: () => [
      { device_id: 'till-1', store_id: 'store_001', last_received_at: '2025-05-01T13:55:00.000Z', last_sale_ts_ms: Date.parse('2025-05-01T13:54:59Z') },
      { device_id: 'till-2', store_id: 'store_001', last_received_at: '2025-04-30T23:00:00.000Z', last_sale_ts_ms: Date.parse('2025-04-30T23:00:00Z') },
      { device_id: 'sim-0001', store_id: 'store_001', last_received_at: '2025-05-01T13:00:00.000Z', last_sale_ts_ms: Date.parse('2025-05-01T13:00:00Z') },
      { device_id: 'till-9', store_id: 'store_002', last_received_at: '2025-05-01T13:59:00.000Z', last_sale_ts_ms: 0 },
    ],
    // Gold's figures of the store's today (1 May in New York); nothing for another day or store.
    deviceSales: (storeId, date) =>
      storeId === 'store_001' && date === '2025-05-01'
        ? [
            { device_id: 'sim-0001', amount: 0.3, sales_count: 1, order_count: 1, units: 3 },
            { device_id: 'till-1', amount: 22.25, sales_count: 3, order_count: 2, units: 4 },
          ]
        : [],
    deviceSilentMinutes: 30,
    ...overrides,
  }
}

describe('health for the staff page', () => {
  it("pipeline: lags in sales and seconds, rejects since the store's midnight, the upload backlog", () => {
    expect(pipelineHealth(sources(), 'store_001')).toEqual({
      now: '2025-05-01T14:00:00.000Z',
      last_sale_received_at: '2025-05-01T13:59:58.000Z',
      silver: { lag_sales: 20, lag_seconds: 30, stopped_by: null, error: null },
      gold: { caught_up_at: '2025-05-01T13:59:00.000Z', pending_changes: 3, lag_seconds: 60, error: null },
      rejects_today: {
        since: '2025-05-01T04:00:00.000Z',
        total: 3,
        by_reason: [
          { reason: 'invalid_json', count: 2 },
          { reason: 'bad_timestamp', count: 1 },
        ],
      },
      upload: {
        target: 's3',
        pending: 2,
        oldest_date: '2025-04-30',
        next_attempt_at: null,
        last_error: 'HTTP 503',
        last_shipped_at: '2025-05-01T12:00:00.000Z',
        last_pulled_at: null,
      },
      mqtt: { connected_clients: 2 },
    })
  })

  it('pipeline: caught up is zero lag, whatever the last catch-up time', () => {
    const health = pipelineHealth(
      sources({
        silver: () => ({ watermark: 120, failure: { rule: 'known_store' }, lastError: null }),
        gold: () => ({ caughtUpAt: null, pendingChanges: 0, lastError: null }),
      }),
      'store_001',
    )
    expect(health.silver).toEqual({ lag_sales: 0, lag_seconds: 0, stopped_by: 'known_store', error: null })
    expect(health.gold.lag_seconds).toBe(0)
  })

  it("devices: registered and anonymous of the store, silent ones first; seen today on the store's calendar, with today's sales", () => {
    expect(deviceHealth(sources(), 'store_001')).toEqual({
      store_id: 'store_001',
      date: '2025-05-01',
      silent_after_minutes: 30,
      registered: 2,
      seen_today: 2,
      connected_now: 2,
      silent: 2,
      devices: [
        // 23:00 UTC on 30 April is 19:00 the day before in New York: not today, and silent.
        {
          device_id: 'sim-0001',
          registered: false,
          connected: true,
          last_received_at: '2025-05-01T13:00:00.000Z',
          last_sale_at: '2025-05-01T13:00:00.000Z',
          seen_today: true,
          silent: true,
          sales_count: 1,
          order_count: 1,
          units: 3,
          amount: 0.3,
        },
        {
          device_id: 'till-2',
          registered: true,
          connected: false,
          last_received_at: '2025-04-30T23:00:00.000Z',
          last_sale_at: '2025-04-30T23:00:00.000Z',
          seen_today: false,
          silent: true,
          sales_count: 0,
          order_count: 0,
          units: 0,
          amount: 0,
        },
        {
          device_id: 'till-1',
          registered: true,
          connected: true,
          last_received_at: '2025-05-01T13:55:00.000Z',
          last_sale_at: '2025-05-01T13:54:59.000Z',
          seen_today: true,
          silent: false,
          sales_count: 3,
          order_count: 2,
          units: 4,
          amount: 22.25,
        },
      ],
    })
  })

  it('devices: one registered that never sold is silent, with no times', () => {
    const health = deviceHealth(sources({ deviceActivity: () => [] }), 'store_002')
    expect(health.devices).toEqual([
      {
        device_id: 'till-9',
        registered: true,
        connected: false,
        last_received_at: null,
        last_sale_at: null,
        seen_today: false,
        silent: true,
        sales_count: 0,
        order_count: 0,
        units: 0,
        amount: 0,
      },
    ])
  })

  it("devices: one gold counted today is listed, whatever the registry and the activity say, so the devices add up to the day's totals", () => {
    const health = deviceHealth(sources({ registeredDevices: () => [], deviceActivity: () => [] }), 'store_001')
    expect(health.devices.map((device) => [device.device_id, device.registered, device.sales_count, device.amount])).toEqual([
      ['sim-0001', false, 1, 0.3],
      ['till-1', false, 3, 22.25],
    ])
    expect(health).toMatchObject({ registered: 0, seen_today: 0, silent: 2 })
  })

  it("devices: the figures are of the store's today, in its zone (past midnight in New York: a new day, nothing sold yet)", () => {
    const health = deviceHealth(sources({ now: () => Date.parse('2025-05-02T04:30:00Z') }), 'store_001')
    expect(health.date).toBe('2025-05-02')
    expect(health.devices.map((device) => device.sales_count)).toEqual([0, 0, 0])
  })
})
