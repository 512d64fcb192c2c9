import { fileURLToPath } from 'node:url'
import { RoleCheck } from '../../src/http/roles.js'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GoldReader, type Totals } from '../../src/gold/gold-reader.js'
import type { AppDeps } from '../../src/http/app-deps.js'
import { buildApp } from '../../src/http/app.js'
import { DashboardAssets } from '../../src/http/dashboard-assets.js'
import type { DeviceHealth } from '../../src/http/health-report.js'
import { appDeps, IDLE_PIPELINE } from '../helpers/app-deps.js'
import { shiftedClock } from '../helpers/fake-clock.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { CUSTOMERS_CSV, PRODUCTS_CSV, SilverHarness, STORES_CSV } from '../helpers/silver-harness.js'
import { EventReader } from '../helpers/sse.js'

const STAFF = 'staff-token-0123456789'
const CENTRAL = 'central-token-0123456789'
const ADMIN = 'admin-token-0123456789'
const BUILT = fileURLToPath(new URL('../../dist/http/dashboard/', import.meta.url))
/** 1 May 2025, 22:30 in New York (store_001's zone). */
const NOW = Date.parse('2025-05-02T02:30:00Z')

describe("the staff page's API", () => {
  const h = new SilverHarness()
  let reader: GoldReader
  const deps = (overrides: Partial<AppDeps> = {}): AppDeps => appDeps(() => reader, { now: () => NOW, ...overrides })
  const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` })

  beforeAll(async () => {
    await h.importDims('store', STORES_CSV)
    await h.importDims('product', PRODUCTS_CSV)
    await h.importDims('customer', CUSTOMERS_CSV)
    h.ingest([
      seedSale({ timestamp: '2025-05-01T14:00:00Z', price: 15.5, order_id: 'o1' }),
      seedSale({ timestamp: '2025-05-01T14:01:00Z', product_id: 102, price: 2.2, quantity: 3, order_id: 'o1' }),
      seedSale({ timestamp: '2025-05-01T20:00:00Z', price: 0.1, customer_id: null }),
      // The same weekday a week before, in New York: 10:30, 21:15, 22:40 and 23:10.
      seedSale({ timestamp: '2025-04-24T14:30:00Z', price: 10 }),
      seedSale({ timestamp: '2025-04-25T01:15:00Z', price: 4 }),
      seedSale({ timestamp: '2025-04-25T02:40:00Z', price: 6 }),
      seedSale({ timestamp: '2025-04-25T03:10:00Z', price: 1 }),
    ])
    h.process()
    h.gold.refreshAll()
    reader = new GoldReader(h.dir.path, { code: 'USD', minorUnitDigits: 2 })
  })
  afterAll(() => {
    reader.close()
    h.close()
  })

  describe('GET /api/v1/totals: the same weekday last week', () => {
    it('today: last week up to the same time (hours before this one, this hour prorated by the minutes gone)', async () => {
      const body = (await buildApp(deps()).inject('/api/v1/totals')).json()
      expect(body).toMatchObject({ date: '2025-05-01', total_amount: 22.2 })
      // 10 + 4 before 22:00, then half of 22:00's 6.00 at 22:30; 23:10's 1.00 not yet.
      expect(body.last_week).toEqual({
        date: '2025-04-24',
        total_amount: 21,
        sales_count: 4,
        order_count: 4,
        same_time_amount: 17,
        by_hour: [
          { hour: 10, amount: 10, count: 1, order_count: 1 },
          { hour: 21, amount: 4, count: 1, order_count: 1 },
          { hour: 22, amount: 6, count: 1, order_count: 1 },
          { hour: 23, amount: 1, count: 1, order_count: 1 },
        ],
      })
    })

    it('a past day compares whole days', async () => {
      const later = buildApp(deps({ now: () => Date.parse('2025-05-04T12:00:00Z') }))
      expect((await later.inject('/api/v1/totals?date=2025-05-01')).json().last_week).toMatchObject({ total_amount: 21, same_time_amount: 21 })
    })

    it('another store by store_id, in its own zone; a bad store_id is a 400', async () => {
      const app = buildApp(deps())
      expect((await app.inject('/api/v1/totals?store_id=store_002')).json()).toMatchObject({ store_id: 'store_002', date: '2025-05-02', total_amount: 0 })
      const central = buildApp(deps({ roles: new RoleCheck({ central: CENTRAL }) }))
      const goldDays = async (storeId: string): Promise<[string, string[]]> => {
        const body = (
          await central.inject({ url: `/api/v1/gold/kpi_daily_orders?store_id=${storeId}&from=2025-04-01&to=2025-05-31`, headers: bearer(CENTRAL) })
        ).json()
        return [body.store_id, body.rows.map((row: { sale_date: string }) => row.sale_date)]
      }
      expect(await goldDays('store_001')).toEqual(['store_001', ['2025-04-24', '2025-05-01']])
      expect(await goldDays('store_002')).toEqual(['store_002', []])
      const bad = await app.inject('/api/v1/totals?store_id=a%2Fb')
      expect(bad.statusCode).toBe(400)
      expect(bad.json().error.code).toBe('BAD_REQUEST')
    })
  })

  describe('GET /api/v1/top-products', () => {
    it("the day's best sellers, amounts exact, today by default", async () => {
      const response = await buildApp(deps()).inject('/api/v1/top-products')
      expect(response.statusCode).toBe(200)
      expect(response.json()).toEqual({
        date: '2025-05-01',
        store_id: 'store_001',
        currency: 'USD',
        products: [
          {
            rank: 1,
            product_id: 101,
            product_name: 'Espresso',
            category: 'Beverages',
            amount: 15.6,
            count: 2,
            units: 2,
            order_count: 2,
            last_sale_at: '2025-05-01T20:00:00.000Z',
            returned_units: 0,
          },
          {
            rank: 2,
            product_id: 102,
            product_name: 'Croissant',
            category: 'Bakery',
            amount: 6.6,
            count: 1,
            units: 3,
            order_count: 1,
            last_sale_at: '2025-05-01T14:01:00.000Z',
            returned_units: 0,
          },
        ],
      })
    })

    it('limit, a past date, and refusals', async () => {
      const app = buildApp(deps())
      expect((await app.inject('/api/v1/top-products?limit=1&date=2025-04-24')).json().products).toMatchObject([{ rank: 1, amount: 21 }])
      for (const url of [
        '/api/v1/top-products?limit=0',
        '/api/v1/top-products?limit=1001',
        '/api/v1/top-products?date=2025-02-30',
        '/api/v1/top-products?top=3',
      ]) {
        const response = await app.inject(url)
        expect(response.statusCode, url).toBe(400)
        expect(response.json().error.code).toBe('BAD_REQUEST')
      }
    })
  })

  describe('GET /api/v1/day', () => {
    it("is the totals and the ten top products of a day, as the live stream's day event; closed by a staff token", async () => {
      const app = buildApp(deps())
      const day = (await app.inject('/api/v1/day?date=2025-05-01')).json()
      expect(day).toEqual({
        totals: (await app.inject('/api/v1/totals?date=2025-05-01')).json(),
        top_products: (await app.inject('/api/v1/top-products?date=2025-05-01')).json().products,
        // No inventory in this store: the page hides its stock panel.
        stock: { date: '2025-05-01', tracked: false, out: [], low: [], shrink: [] },
      })
      expect((await app.inject('/api/v1/day?date=2025-5-1')).statusCode).toBe(400)
      expect((await buildApp(deps({ roles: new RoleCheck({ staff: STAFF }) })).inject('/api/v1/day')).statusCode).toBe(401)
    })
  })

  describe('GET /api/v1/session', () => {
    it('with no staff token: open, as staff, with the stores, currency and locale', async () => {
      const response = await buildApp(deps()).inject('/api/v1/session')
      expect(response.json()).toEqual({
        roles: ['staff'],
        store_id: 'store_001',
        stores: [
          { store_id: 'store_001', store_name: 'Downtown', timezone: 'America/New_York', today: '2025-05-01' },
          { store_id: 'store_002', store_name: 'Harbour', timezone: 'Europe/Paris', today: '2025-05-02' },
        ],
        currency: { code: 'USD', minor_unit_digits: 2 },
        locale: 'en-US',
        device_silent_minutes: 30,
      })
    })

    it('with tokens: none or a wrong one is 401, each token gets its roles (admin all)', async () => {
      const app = buildApp(deps({ roles: new RoleCheck({ staff: STAFF, central: CENTRAL, admin: ADMIN }) }))
      const none = await app.inject('/api/v1/session')
      expect([none.statusCode, none.json().error.code]).toEqual([401, 'UNAUTHORIZED'])
      const wrong = await app.inject({ url: '/api/v1/session', headers: bearer('not-a-token-0000000') })
      expect([wrong.statusCode, wrong.json().error.message]).toEqual([401, 'the bearer token is not valid'])
      const roles = async (token: string): Promise<string[]> => (await app.inject({ url: '/api/v1/session', headers: bearer(token) })).json().roles
      expect(await roles(STAFF)).toEqual(['staff'])
      expect(await roles(CENTRAL)).toEqual(['central'])
      expect(await roles(ADMIN)).toEqual(['staff', 'central', 'admin'])
      // Staff open, an admin token presented: the page shows the admin parts.
      expect(
        await (async () =>
          (await buildApp(deps({ roles: new RoleCheck({ admin: ADMIN }) })).inject({ url: '/api/v1/session', headers: bearer(ADMIN) })).json().roles)(),
      ).toEqual(['staff', 'central', 'admin'])
    })
  })

  describe('GET /api/v1/pipeline and /api/v1/devices', () => {
    it('answer what the health sources say, for the asked store; open like the totals, closed by a staff token', async () => {
      const asked: string[] = []
      const app = buildApp(
        deps({
          pipelineHealth: (storeId) => (asked.push(storeId), IDLE_PIPELINE),
          deviceHealth: (storeId) => ({
            store_id: storeId,
            date: '2025-05-01',
            silent_after_minutes: 30,
            registered: 1,
            seen_today: 0,
            connected_now: 0,
            silent: 1,
            devices: [],
          }),
        }),
      )
      expect((await app.inject('/api/v1/pipeline?store_id=store_002')).json()).toEqual(IDLE_PIPELINE)
      expect(asked).toEqual(['store_002'])
      expect((await app.inject('/api/v1/devices')).json()).toMatchObject({ store_id: 'store_001', silent: 1 })
      expect((await app.inject('/api/v1/devices?since=1')).statusCode).toBe(400)
      const closed = buildApp(deps({ roles: new RoleCheck({ staff: STAFF }) }))
      expect((await closed.inject('/api/v1/pipeline')).statusCode).toBe(401)
      expect((await closed.inject({ url: '/api/v1/devices', headers: bearer(STAFF) })).statusCode).toBe(200)
    })
  })

  describe('GET /api/v1/events: the live stream', () => {
    let app: FastifyInstance
    let metrics: AppDeps['metrics']
    const viewReads = async (): Promise<number> => (await metrics.getSingleMetric('medallion_live_view_reads_total')!.get()).values[0]!.value

    beforeAll(() => {
      const base = deps({ live: { pollMs: 20, healthMs: 60_000, pingMs: 60_000 } })
      metrics = base.metrics
      app = buildApp(base)
    })
    afterAll(() => app.close())

    it('ten pages: each gets today at once and every change, for one gold read per change', async () => {
      const pages = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const response = await app.inject({ url: '/api/v1/events', payloadAsStream: true })
          expect(response.statusCode).toBe(200)
          expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8')
          return new EventReader(response.stream())
        }),
      )
      const totals = (await app.inject('/api/v1/totals')).json()
      const products = (await app.inject('/api/v1/top-products')).json().products
      for (const page of pages) {
        expect((await page.next('day')).data).toEqual({
          totals,
          top_products: products,
          stock: { date: totals.date, tracked: false, out: [], low: [], shrink: [] },
        })
        expect((await page.next('health')).data).toEqual({
          pipeline: IDLE_PIPELINE,
          devices: { store_id: 'store_001', date: '2025-05-01', silent_after_minutes: 30, registered: 0, seen_today: 0, connected_now: 0, silent: 0 },
        })
      }
      expect(await viewReads()).toBe(1)

      // A sale of today: one read, the new total on every page.
      h.ingest([seedSale({ timestamp: '2025-05-01T21:00:00Z', price: 1.25 })])
      h.process()
      h.gold.refreshAll()
      for (const page of pages) {
        expect((await page.next('day')).data).toMatchObject({ totals: { total_amount: 23.45, sales_count: 4 } })
        expect((await page.next('changed')).data).toEqual({ store_id: 'store_001', dates: ['2025-05-01'] })
      }
      expect(await viewReads()).toBe(2)

      // A late sale of last week's day changes today's comparison: read again; a page on another day is told.
      h.ingest([seedSale({ timestamp: '2025-04-24T15:00:00Z', price: 2 })])
      h.process()
      h.gold.refreshAll()
      for (const page of pages) {
        expect((await page.next('changed')).data).toEqual({ store_id: 'store_001', dates: ['2025-04-24'] })
      }
      expect(pages[0]!.drain()).toEqual([])
      expect(await viewReads()).toBe(3)
    })

    it('a change of another store reaches none of these pages; closing the app ends every stream', async () => {
      const response = await app.inject({ url: '/api/v1/events?store_id=store_001', payloadAsStream: true })
      const page = new EventReader(response.stream())
      await page.next('health')
      h.ingest([seedSale({ timestamp: '2025-05-01T21:30:00Z', store_id: 'store_002', price: 3 })])
      h.process()
      h.gold.refreshAll()
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(page.drain()).toEqual([])
      await app.close()
      await expect(page.next('day', 30_000)).rejects.toThrow(/ended/)
    })

    it("the view is read again when the store's minute changes (last week's \"same time\" moves without a sale), and when gold's log goes back", async () => {
      let now = NOW
      let lastSeq = 1_000_000 // as if the log went back to the real one after a restored gold.db
      const moving = buildApp(deps({ now: () => now, lastRefreshSeq: () => lastSeq, live: { pollMs: 20, healthMs: 30, pingMs: 60_000 } }))
      try {
        const page = new EventReader((await moving.inject({ url: '/api/v1/events', payloadAsStream: true })).stream())
        const first = (await page.next('day')).data as { totals: { last_week: { same_time_amount: number } } }
        now += 20 * 60_000 // 22:30 -> 22:50 in New York: 50/60 of last week's 22:00 hour (6.00), not 30/60
        const later = (await page.next('day')).data as { totals: { last_week: { same_time_amount: number } } }
        expect(later.totals.last_week.same_time_amount).toBe(first.totals.last_week.same_time_amount + 2)
        page.drain()
        lastSeq = 1
        expect((await page.next('day', 30_000)).data).toMatchObject({ totals: { date: '2025-05-01' } })
      } finally {
        await moving.close()
      }
    })

    it('is closed by a staff token like the totals', async () => {
      const closed = buildApp(deps({ roles: new RoleCheck({ staff: STAFF }) }))
      const response = await closed.inject('/api/v1/events')
      expect([response.statusCode, response.json().error.code]).toEqual([401, 'UNAUTHORIZED'])
    })
  })

  describe('GET / and /assets', () => {
    const assets = DashboardAssets.load({ locale: 'fr-FR', currency: 'EUR' }, BUILT)

    it('serves the built page, Brotli or gzip as asked, with a policy that allows nothing from elsewhere', async () => {
      expect(assets, 'npm run build makes dist/http/dashboard').toBeDefined()
      const app = buildApp(deps({ assets, roles: new RoleCheck({ staff: STAFF }) }))
      const page = await app.inject({ url: '/', headers: { 'accept-encoding': 'gzip, deflate, br' } })
      expect(page.statusCode).toBe(200)
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(page.headers['content-encoding']).toBe('br')
      expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/)
      expect((await app.inject({ url: '/', headers: { 'accept-encoding': 'gzip' } })).headers['content-encoding']).toBe('gzip')
      const plain = await app.inject('/')
      expect(plain.headers['content-encoding']).toBeUndefined()
      expect(plain.body).toContain('<main id="main"')
      expect(plain.body).toContain('<html lang="en" data-locale="fr-FR" data-currency="EUR">')
      const script = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(plain.body)![1]!
      const js = await app.inject(script)
      expect([js.statusCode, js.headers['content-type'], js.headers['cache-control']]).toEqual([
        200,
        'text/javascript; charset=utf-8',
        'public, max-age=31536000, immutable',
      ])
      expect((await app.inject({ url: '/', headers: { 'if-none-match': plain.headers.etag as string } })).statusCode).toBe(304)
      expect((await app.inject('/assets/nothing.js')).statusCode).toBe(404)
    })

    it('a daemon run from unbuilt sources says so', async () => {
      const response = await buildApp(deps({ assets: undefined })).inject('/')
      expect([response.statusCode, response.json().error.code]).toEqual([503, 'DASHBOARD_NOT_BUILT'])
    })

    it('requests to the page and the API are counted in /metrics', async () => {
      const app = buildApp(deps({ assets, roles: new RoleCheck({ staff: STAFF }) }))
      await app.inject('/')
      await app.inject('/')
      await app.inject('/api/v1/totals')
      const stream = await app.inject({ url: '/api/v1/events', headers: bearer(STAFF), payloadAsStream: true })
      await new EventReader(stream.stream()).next('day')
      const text = await (await app.inject({ url: '/metrics', headers: bearer(STAFF) })).body
      await app.close()
      expect(text).toMatch(/medallion_http_requests_total\{route="\/",status="200"\} 2/)
      expect(text).toMatch(/medallion_http_requests_total\{route="\/api\/v1\/totals",status="401"\} 1/)
      expect(text).toMatch(/medallion_live_streams 1/)
      expect(text).toMatch(/medallion_live_streams_opened_total 1/)
      expect(text).toMatch(/medallion_live_view_reads_total 1/)
    })
  })
})

describe('GET /api/v1/devices: what each till sold today (sales through the gateway)', () => {
  let gw: RunningGateway | undefined
  afterAll(async () => gw?.stop())

  it("lines, orders (baskets), units and amount per device of the store's today, adding up to the day's totals", async () => {
    // 1 May 2025, 12:30 in New York.
    gw = await startGateway({ timezone: 'America/New_York' }, { clock: shiftedClock(Date.parse('2025-05-01T12:30:00-04:00')) })
    const tills = [gw.addDevice('till-1'), gw.addDevice('till-2')]
    gw.addDevice('till-3') // registered, never sold
    const clients = await Promise.all(tills.map((till) => connectDevice(gw!.url, till)))
    const sell = async (till: 0 | 1, sale: Record<string, unknown>): Promise<void> => {
      await clients[till]!.publishAsync(topicOf(tills[till]!), JSON.stringify(seedSale({ device_id: tills[till]!.deviceId, customer_id: null, ...sale })), {
        qos: 1,
      })
    }
    // A sale of yesterday first (gold applies sales in arrival order: once today's five are in, so is it).
    await sell(1, { event_id: 'till-2-old', timestamp: '2025-04-30T18:00:00-04:00', price: 5 })
    // till-1: basket o1 of two lines (20.00 + 1.25), then a sale with no order id (its own order): 3 lines, 2 orders, 4 units, 22.24.
    const line = { event_id: 'till-1-a', timestamp: '2025-05-01T09:10:00-04:00', price: 10, quantity: 2, order_id: 'o1' }
    await sell(0, line)
    await sell(0, { event_id: 'till-1-b', timestamp: '2025-05-01T09:11:00-04:00', price: 1.25, order_id: 'o1' })
    await sell(0, { event_id: 'till-1-c', timestamp: '2025-05-01T12:05:00-04:00', price: 0.99 })
    await sell(0, line) // redelivered: stored and counted once
    // till-2: its own o1 (another basket: an order is the till's), 9.30 + 0.50: 2 lines, 1 order, 4 units, 9.80.
    await sell(1, { event_id: 'till-2-a', timestamp: '2025-05-01T11:05:00-04:00', price: 3.1, quantity: 3, order_id: 'o1' })
    await sell(1, { event_id: 'till-2-b', timestamp: '2025-05-01T11:06:00-04:00', price: 0.5, order_id: 'o1' })
    await Promise.all(clients.map((client) => client.endAsync()))

    const get = async <T>(url: string): Promise<T> => (await gw!.gateway.http.inject(url)).json() as T
    await expect.poll(async () => (await get<Totals>('/api/v1/totals')).sales_count, { timeout: 30_000 }).toBe(5)
    const health = await get<DeviceHealth>('/api/v1/devices')
    expect(health).toMatchObject({ store_id: 'store_001', date: '2025-05-01', registered: 3, seen_today: 2, silent: 1 })
    const figures = health.devices.map(({ device_id, sales_count, order_count, units, amount }) => ({ device_id, sales_count, order_count, units, amount }))
    expect(figures).toEqual([
      { device_id: 'till-3', sales_count: 0, order_count: 0, units: 0, amount: 0 },
      { device_id: 'till-1', sales_count: 3, order_count: 2, units: 4, amount: 22.24 },
      { device_id: 'till-2', sales_count: 2, order_count: 1, units: 4, amount: 9.8 },
    ])
    const totals = await get<Totals>('/api/v1/totals')
    expect(totals).toMatchObject({ sales_count: 5, order_count: 3, units: 8, total_amount: 32.04 })
    // Yesterday's sale is yesterday's: the page's "by till" is today's only.
    expect((await get<Totals>('/api/v1/totals?date=2025-04-30')).sales_count).toBe(1)
  }, 60_000)
})
