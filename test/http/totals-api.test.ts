import pino from 'pino'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MedallionError } from '../../src/errors.js'
import { GoldReader, type Totals } from '../../src/gold/gold-reader.js'
import type { AppDeps } from '../../src/http/app-deps.js'
import { buildApp } from '../../src/http/app.js'
import { RoleCheck } from '../../src/http/roles.js'
import { appDeps } from '../helpers/app-deps.js'
import { shiftedClock } from '../helpers/fake-clock.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { SilverHarness, STORES_CSV, PRODUCTS_CSV, CUSTOMERS_CSV } from '../helpers/silver-harness.js'

const STAFF = 'staff-token-0123456789'
const CENTRAL = 'central-token-0123456789'
const ADMIN = 'admin-token-0123456789'

/** A comparison with days that had no sale. */
const nothingOn = (dates: string[]): Record<string, unknown> => ({
  dates,
  days_with_data: 0,
  pruned_dates: [],
  total_amount: 0,
  same_time_amount: 0,
  sales_count: 0,
  order_count: 0,
  units: 0,
  by_hour: [],
})

describe('the totals API', () => {
  const h = new SilverHarness()
  let reader: GoldReader
  const deps = (overrides: Partial<AppDeps> = {}): AppDeps => appDeps(() => reader, overrides)

  beforeAll(async () => {
    await h.importDims('store', STORES_CSV)
    await h.importDims('product', PRODUCTS_CSV)
    await h.importDims('customer', CUSTOMERS_CSV)
    h.ingest([
      seedSale({ event_id: 'a', timestamp: '2025-05-01T14:00:00Z', price: 15.5, order_id: 'o1' }),
      seedSale({ event_id: 'b', timestamp: '2025-05-01T14:01:00Z', product_id: 102, price: 2.2, quantity: 3, order_id: 'o1' }),
      seedSale({ event_id: 'c', timestamp: '2025-05-01T20:00:00Z', price: 0.1, customer_id: null }),
      seedSale({ event_id: 'other-day', timestamp: '2025-05-03T14:00:00Z', price: 99 }),
    ])
    h.process()
    h.gold.refreshAll()
    reader = new GoldReader(h.dir.path, { code: 'USD', minorUnitDigits: 2 })
  })
  afterAll(() => {
    reader.close()
    h.close()
  })

  it("GET /api/v1/totals has the contract's shape, amounts exact, today by default in the store's zone (dim_store)", async () => {
    const app = buildApp(deps())
    const response = await app.inject('/api/v1/totals')
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body).toEqual({
      date: '2025-05-01',
      store_id: 'store_001',
      currency: 'USD',
      total_amount: 22.2,
      sales_count: 3,
      order_count: 2,
      avg_order_amount: 11.1,
      units: 5,
      gross_amount: 22.2,
      returns_amount: 0,
      returns_count: 0,
      voids_count: 0,
      as_of: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      pruned_at: null,
      by_category: [
        { category: 'Beverages', amount: 15.6, count: 2 },
        { category: 'Bakery', amount: 6.6, count: 1 },
      ],
      by_region: [
        { region: 'North', amount: 22.1, count: 2, order_count: 1 },
        { region: 'Anonymous', amount: 0.1, count: 1, order_count: 1 },
      ],
      by_hour: [
        { hour: 10, amount: 22.1, count: 2, order_count: 1 },
        { hour: 16, amount: 0.1, count: 1, order_count: 1 },
      ],
      last_week: { date: '2025-04-24', total_amount: 0, sales_count: 0, order_count: 0, same_time_amount: 0, by_hour: [] },
      // No sale before 1 May: every comparison is zero, and says no day had data.
      compare: {
        yesterday: nothingOn(['2025-04-30']),
        last_week: nothingOn(['2025-04-24']),
        four_weeks: nothingOn(['2025-04-24', '2025-04-17', '2025-04-10', '2025-04-03']),
      },
    })
    expect((await app.inject('/api/v1/totals?date=2025-05-03')).json()).toMatchObject({ date: '2025-05-03', total_amount: 99 })
    expect((await app.inject('/api/v1/totals?date=2024-01-01')).json()).toMatchObject({ total_amount: 0, sales_count: 0, by_category: [] })
  })

  it.each([
    ['/api/v1/totals?date=yesterday', 400, 'BAD_REQUEST'],
    ['/api/v1/totals?date=2025-13-01', 400, 'BAD_REQUEST'],
    ['/api/v1/totals?date=2025-02-30', 400, 'BAD_REQUEST'],
    ['/api/v1/totals?date=', 400, 'BAD_REQUEST'],
    ['/api/v1/totals?day=2025-05-01', 400, 'BAD_REQUEST'],
    ['/api/v1/gold/fact_daily_sales?from=2025-05-02&to=2025-05-01', 400, 'BAD_REQUEST'],
    ['/api/v1/gold/fact_daily_sales?from=2020-01-01&to=2025-01-01', 400, 'BAD_REQUEST'],
    ['/api/v1/gold/dim_customer', 404, 'UNKNOWN_TABLE'],
    ['/api/v1/gold/..%2Fbronze', 404, 'UNKNOWN_TABLE'],
    ['/api/v2/totals', 404, 'NOT_FOUND'],
  ])('%s -> %i %s, as JSON', async (url, status, code) => {
    const response = await buildApp(deps({ roles: new RoleCheck({ central: CENTRAL }) })).inject({ url, headers: { authorization: `Bearer ${CENTRAL}` } })
    expect(response.statusCode).toBe(status)
    expect(response.json()).toEqual({ error: { code, message: expect.any(String) } })
  })

  it("the basket size needs no field of its own: the totals' units / order_count is gold's avg_units_per_order", async () => {
    const app = buildApp(deps({ roles: new RoleCheck({ central: CENTRAL }) }))
    const headers = { authorization: `Bearer ${CENTRAL}` }
    const gold = (await app.inject({ url: '/api/v1/gold/kpi_daily_orders?from=2025-05-01&to=2025-05-03', headers })).json().rows as {
      sale_date: string
      avg_units_per_order: number
    }[]
    expect(gold.map((row) => [row.sale_date, row.avg_units_per_order])).toEqual([
      ['2025-05-01', 2.5],
      ['2025-05-03', 1],
    ])
    for (const row of gold) {
      const totals = (await app.inject({ url: `/api/v1/totals?date=${row.sale_date}`, headers })).json() as Totals
      expect(totals.units / totals.order_count).toBe(row.avg_units_per_order)
    }
  })

  it('GET /api/v1/gold/{table} returns the rows of a range', async () => {
    const response = await buildApp(deps({ roles: new RoleCheck({ central: CENTRAL }) })).inject({
      url: '/api/v1/gold/kpi_daily_orders?from=2025-05-01&to=2025-05-03',
      headers: { authorization: `Bearer ${CENTRAL}` },
    })
    expect(response.json()).toMatchObject({ table: 'kpi_daily_orders', store_id: 'store_001', from: '2025-05-01', to: '2025-05-03', truncated: false })
    expect(response.json().rows.map((row: { sale_date: string; total_amount: number }) => [row.sale_date, row.total_amount])).toEqual([
      ['2025-05-01', 2220],
      ['2025-05-03', 9900],
    ])
  })

  describe('bearer-token roles', () => {
    const closed = buildApp(deps({ roles: new RoleCheck({ staff: STAFF, central: CENTRAL, admin: ADMIN }) }))
    const open = buildApp(deps())
    const auth = (token: string): { headers: { authorization: string } } => ({ headers: { authorization: `Bearer ${token}` } })
    const status = async (app: typeof open, url: string, token?: string): Promise<[number, string | undefined]> => {
      const response = await app.inject({ url, ...(token ? auth(token) : {}) })
      return [response.statusCode, response.statusCode === 200 ? undefined : response.json().error.code]
    }

    it('a configured staff token closes the totals to everyone else', async () => {
      const missing = await closed.inject('/api/v1/totals')
      expect(missing.statusCode).toBe(401)
      expect(missing.headers['www-authenticate']).toBe('Bearer')
      expect(await status(closed, '/api/v1/totals', 'wrong-token-000000')).toEqual([401, 'UNAUTHORIZED'])
      for (const token of [STAFF, CENTRAL, ADMIN]) expect(await status(closed, '/api/v1/totals', token)).toEqual([200, undefined])
    })

    it('with no staff token only the totals (and health) are open; gold, metrics and rejects stay closed', async () => {
      expect(await status(open, '/api/v1/totals')).toEqual([200, undefined])
      expect((await open.inject('/healthz')).json()).toEqual({ status: 'ok' })
      expect(await status(open, '/api/v1/gold/kpi_daily_orders')).toEqual([403, 'ROLE_CLOSED'])
      expect(await status(open, '/metrics')).toEqual([403, 'ROLE_CLOSED'])
      expect(await status(open, '/api/v1/rejects')).toEqual([403, 'ROLE_CLOSED'])
    })

    it('each role gets what it may, and a valid token of another role is FORBIDDEN', async () => {
      expect(await status(closed, '/api/v1/gold/kpi_daily_orders', CENTRAL)).toEqual([200, undefined])
      expect(await status(closed, '/metrics', STAFF)).toEqual([200, undefined])
      expect(await status(closed, '/api/v1/rejects', STAFF)).toEqual([403, 'FORBIDDEN'])
      expect(await status(closed, '/api/v1/rejects', ADMIN)).toEqual([200, undefined])
      expect(await status(closed, '/api/v1/gold/kpi_daily_orders')).toEqual([401, 'UNAUTHORIZED'])
    })

    it('checks the token before the request: a caller without the role gets 401/403, never a 400 that tells what the route takes', async () => {
      const routes = [
        '/api/v1/totals?bogus=1',
        '/api/v1/day?date=x&bogus=1',
        '/api/v1/top-products?limit=-5',
        '/api/v1/pipeline?bogus=1',
        '/api/v1/devices?bogus=1',
        '/api/v1/events?bogus=1',
        '/api/v1/gold/kpi_daily_orders?bogus=1',
        '/api/v1/rejects?limit=abc',
        '/api/v1/snapshots?after=abc',
        '/api/v1/snapshots/x/files/y.parquet',
        '/metrics',
      ]
      for (const url of routes) expect([url, ...(await status(closed, url))]).toEqual([url, 401, 'UNAUTHORIZED'])
      expect(await status(closed, '/api/v1/rejects?limit=abc', STAFF)).toEqual([403, 'FORBIDDEN'])
      expect(await status(closed, '/api/v1/snapshots?after=abc', STAFF)).toEqual([403, 'FORBIDDEN'])
      // With the role, the same mistake is a 400 that names it.
      expect(await status(closed, '/api/v1/rejects?limit=abc', ADMIN)).toEqual([400, 'BAD_REQUEST'])
      expect(await status(closed, '/api/v1/totals?bogus=1', STAFF)).toEqual([400, 'BAD_REQUEST'])
    })

    it('only an admin token configured: central is closed to others, open to admin', () => {
      const roles = new RoleCheck({ admin: ADMIN })
      expect(() => roles.require(['central'], 'Bearer whatever-token-000')).toThrow(/not valid/)
      expect(() => roles.require(['central'], `Bearer ${ADMIN}`)).not.toThrow()
      expect(() => new RoleCheck({}).require(['central'], `Bearer ${ADMIN}`)).toThrow(expect.objectContaining({ statusCode: 403, code: 'ROLE_CLOSED' }))
    })
  })

  it('readyz says why it is not ready; an unexpected failure is a JSON 500, not a crash', async () => {
    const app = buildApp(
      deps({
        notReady: () => ['silver is stopped by expectation known_store'],
        totals: () => {
          throw new Error('disk gone')
        },
      }),
    )
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'not ready', reasons: ['silver is stopped by expectation known_store'] })
    const broken = await app.inject('/api/v1/totals')
    expect(broken.statusCode).toBe(500)
    expect(broken.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal error; see the daemon log' } })
  })

  it("a coded error that is not the client's doing is a 500 too, logged by its code without a stack", async () => {
    const lines: Record<string, unknown>[] = []
    const logger = pino(
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)) as Record<string, unknown>)
          done()
        },
      }),
    )
    const app = buildApp(
      deps({
        logger,
        totals: () => {
          throw new MedallionError('BRONZE_COMMIT_FAILED', 'bronze cannot commit: disk I/O error')
        },
      }),
    )
    const broken = await app.inject('/api/v1/totals')
    expect([broken.statusCode, broken.json()]).toEqual([500, { error: { code: 'INTERNAL', message: 'internal error; see the daemon log' } }])
    const logged = lines.find((line) => line.msg === 'request failed')
    expect(logged).toMatchObject({ code: 'BRONZE_COMMIT_FAILED', err: 'bronze cannot commit: disk I/O error', url: '/api/v1/totals', ip: '127.0.0.1' })

    // Behind a proxy it trusts (http.trustProxy), the logged client is the one the proxy names.
    lines.length = 0
    const proxied = buildApp(
      deps({
        logger,
        totals: () => {
          throw new MedallionError('BRONZE_COMMIT_FAILED', 'bronze cannot commit: disk I/O error')
        },
      }),
      { trustProxy: ['127.0.0.1'] },
    )
    await proxied.inject({ url: '/api/v1/totals', headers: { 'x-forwarded-for': '192.0.2.7' } })
    expect(lines.find((line) => line.msg === 'request failed')).toMatchObject({ ip: '192.0.2.7' })
  })
})

describe('GET /api/v1/totals compares with yesterday, last week and the mean of four weeks (sales through the gateway)', () => {
  let gw: RunningGateway | undefined
  afterAll(async () => gw?.stop())

  it('exact figures, up to the same time of day for today; a week with no sale counts as zero in the mean, and says so', async () => {
    // Thursday 1 May 2025, 12:30 in New York: today up to now is compared with the others up to 12:30.
    gw = await startGateway({ timezone: 'America/New_York' }, { clock: shiftedClock(Date.parse('2025-05-01T12:30:00-04:00')) })
    const tills = [gw.addDevice('till-1'), gw.addDevice('till-2')]
    const clients = await Promise.all(tills.map((till) => connectDevice(gw!.url, till)))
    const sell = async (till: 0 | 1, localTime: string, price: number, extra: Record<string, unknown> = {}): Promise<void> => {
      const sale = seedSale({ device_id: tills[till]!.deviceId, timestamp: `${localTime}-04:00`, price, customer_id: null, ...extra })
      await clients[till]!.publishAsync(topicOf(tills[till]!), JSON.stringify(sale), { qos: 1 })
    }
    // Today: 31.54 in 4 lines, 3 orders (o1 of till-1 and o1 of till-2 are two baskets), 7 units.
    await sell(0, '2025-05-01T09:10:00', 10, { quantity: 2, order_id: 'o1' })
    await sell(0, '2025-05-01T09:12:00', 1.25, { order_id: 'o1' })
    await sell(1, '2025-05-01T11:05:00', 3.1, { quantity: 3, order_id: 'o1' })
    await sell(0, '2025-05-01T12:05:00', 0.99)
    // Yesterday: 13.00; by 12:30, 5.00 and half of 12:00's 8.00.
    await sell(0, '2025-04-30T10:00:00', 5)
    await sell(1, '2025-04-30T12:45:00', 8)
    // A week before: 21.01 in 3 lines, 2 orders, 4 units; by 12:30, 15.00 and half of 6.01 (3.005: 3.01, half away from zero).
    await sell(0, '2025-04-24T11:20:00', 7, { quantity: 2, order_id: 'w1' })
    await sell(0, '2025-04-24T11:40:00', 1, { order_id: 'w1' })
    await sell(1, '2025-04-24T12:10:00', 6.01)
    // Two weeks before: 2.00 at 12:50. Three weeks before: nothing. Four weeks before: 0.05 at 09:00.
    await sell(1, '2025-04-17T12:50:00', 2)
    await sell(0, '2025-04-03T09:00:00', 0.05)
    await Promise.all(clients.map((client) => client.endAsync()))

    const totals = async (): Promise<Totals> => (await gw!.gateway.http.inject('/api/v1/totals')).json() as Totals
    await expect.poll(async () => [(await totals()).sales_count, (await totals()).compare.four_weeks.days_with_data], { timeout: 30_000 }).toEqual([4, 3])
    const body = await totals()
    expect(body).toMatchObject({ date: '2025-05-01', total_amount: 31.54, sales_count: 4, order_count: 3, units: 7 })
    expect(body.compare.yesterday).toEqual({
      dates: ['2025-04-30'],
      days_with_data: 1,
      pruned_dates: [],
      total_amount: 13,
      same_time_amount: 9,
      sales_count: 2,
      order_count: 2,
      units: 2,
      by_hour: [
        { hour: 10, amount: 5, count: 1, order_count: 1 },
        { hour: 12, amount: 8, count: 1, order_count: 1 },
      ],
    })
    const lastWeek = {
      dates: ['2025-04-24'],
      days_with_data: 1,
      pruned_dates: [],
      total_amount: 21.01,
      same_time_amount: 18.01,
      sales_count: 3,
      order_count: 2,
      units: 4,
      by_hour: [
        { hour: 11, amount: 15, count: 2, order_count: 1 },
        { hour: 12, amount: 6.01, count: 1, order_count: 1 },
      ],
    }
    expect(body.compare.last_week).toEqual(lastWeek)
    // The field the page had before, unchanged: the same figures without the new ones.
    const { dates, days_with_data: _days, pruned_dates: _pruned, units: _units, ...before } = lastWeek
    expect(body.last_week).toEqual({ date: dates[0], ...before })
    // The mean over four Thursdays, 10 April (no sale) as zero: (2101 + 200 + 0 + 5) / 4 = 576.5 cents -> 5.77.
    expect(body.compare.four_weeks).toEqual({
      dates: ['2025-04-24', '2025-04-17', '2025-04-10', '2025-04-03'],
      days_with_data: 3,
      pruned_dates: [],
      total_amount: 5.77,
      // (1500 + 601 x 30/60 + 200 x 30/60 + 5) / 4 = 476.375 cents
      same_time_amount: 4.76,
      sales_count: 1.25,
      order_count: 1,
      units: 1.5,
      by_hour: [
        { hour: 9, amount: 0.01, count: 0.25, order_count: 0.25 },
        { hour: 11, amount: 3.75, count: 0.5, order_count: 0.25 },
        // (601 + 200) / 4 = 200.25 cents
        { hour: 12, amount: 2, count: 0.5, order_count: 0.5 },
      ],
    })

    // A past day compares whole days; /api/v1/day carries the same totals.
    const past = (await gw.gateway.http.inject('/api/v1/day?date=2025-05-01')).json() as { totals: Totals }
    expect(past.totals.compare).toEqual(body.compare)
    const wholeDays = (await gw.gateway.http.inject('/api/v1/totals?date=2025-05-08')).json() as Totals
    expect([wholeDays.compare.yesterday.total_amount, wholeDays.compare.last_week.same_time_amount]).toEqual([0, 31.54])
    // (3154 + 2101 + 200 + 0) / 4 = 1363.75 cents, whole days on both sides.
    expect(wholeDays.compare.four_weeks).toMatchObject({ days_with_data: 3, total_amount: 13.64, same_time_amount: 13.64 })
  }, 60_000)
})

describe('GET /api/v1/totals is net, with gross, returns and voids beside it (issue 22; sales, returns and voids through the gateway)', () => {
  let gw: RunningGateway | undefined
  afterAll(async () => gw?.stop())

  it("the till's end-of-day figures, live and after a restart", async () => {
    gw = await startGateway({ timezone: 'America/New_York' }, { clock: shiftedClock(Date.parse('2025-05-01T18:00:00-04:00')) })
    const till = gw.addDevice('till-1')
    const client = await connectDevice(gw.url, till)
    const send = async (event: Record<string, unknown>): Promise<void> => {
      await client.publishAsync(topicOf(till), JSON.stringify({ device_id: till.deviceId, store_id: till.storeId, ...event }), { qos: 1 })
    }
    const at = (time: string): string => `2025-05-01T${time}-04:00`
    const line = (eventId: string, time: string, price: number, quantity: number, order: string, extra: Record<string, unknown> = {}): Promise<void> =>
      send(seedSale({ event_id: eventId, device_id: till.deviceId, timestamp: at(time), price, quantity, order_id: order, customer_id: null, ...extra }))
    await line('s1', '09:00:00', 10, 2, 'o1') // a sale: 20.00
    await line('r1', '09:30:00', 10, -1, 'o2', { refund_of: 'last-week-7', reason: 'damaged' }) // a return-only basket: -10.00
    await line('x1', '10:00:00', 5, 1, 'o3') // an exchange: +5.00 -5.00, an order
    await line('x2', '10:00:05', 5, -1, 'o3')
    await send({ event_id: 'v1', timestamp: at('11:00:30'), void_of: 'late' }) // a void before its line
    await line('late', '11:00:00', 3, 1, 'o4') // the line: voided as it arrives
    await line('oops', '12:00:00', 7, 1, 'o5')
    await send({ event_id: 'v2', timestamp: at('12:01:00'), void_of: 'oops' }) // a void after its line
    await send({ event_id: 'v3', timestamp: at('12:02:00'), void_of: 'oops' }) // voided again: changes nothing
    await client.endAsync()

    const expected = {
      total_amount: 10,
      gross_amount: 25,
      returns_amount: 15,
      returns_count: 2,
      voids_count: 2,
      sales_count: 2,
      order_count: 2,
      units: 1,
      avg_order_amount: 5,
    }
    const totals = async (): Promise<Totals> => (await gw!.gateway.http.inject('/api/v1/totals')).json() as Totals
    await expect.poll(async () => (await totals()).voids_count, { timeout: 30_000 }).toBe(2)
    expect(await totals()).toMatchObject(expected)
    await gw.restart()
    expect(await totals()).toMatchObject(expected)
  })
})
