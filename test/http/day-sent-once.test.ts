import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { GoldReader } from '../../src/gold/gold-reader.js'
import { buildApp } from '../../src/http/app.js'
import { appDeps } from '../helpers/app-deps.js'
import { seedSale } from '../helpers/sales.js'
import { CUSTOMERS_CSV, PRODUCTS_CSV, SilverHarness, STORES_CSV } from '../helpers/silver-harness.js'
import { EventReader, type ServerSentEvent } from '../helpers/sse.js'

/** 1 May 2025, 22:30 in New York (store_001's zone). */
const NOW = Date.parse('2025-05-02T02:30:00Z')

/**
 * Issue 20, item 12: today's figures arrived twice, from GET /api/v1/day (the first paint) and as
 * the live stream's first `day` event. `/day` carries an ETag of its bytes; the stream opened with
 * it as `day_etag` skips that first event when today's view is the same, and sends every later one.
 */
describe("today's figures are sent once: GET /api/v1/day's ETag, the stream's day_etag", () => {
  const h = new SilverHarness()
  let reader: GoldReader
  let app: FastifyInstance

  /** Events until the first `health` (sent right after the first `day`, when there is one). */
  const untilHealth = async (page: EventReader): Promise<string[]> => {
    const seen: ServerSentEvent[] = []
    await vi.waitUntil(() => (seen.push(...page.drain()), seen.some((event) => event.event === 'health')), { timeout: 30_000, interval: 10 })
    return seen.map((event) => event.event)
  }
  const open = async (url: string): Promise<EventReader> => {
    const response = await app.inject({ url, payloadAsStream: true })
    expect(response.statusCode).toBe(200)
    return new EventReader(response.stream())
  }
  const sell = (price: number): void => {
    h.ingest([seedSale({ timestamp: '2025-05-01T21:00:00Z', price })])
    h.process()
    h.gold.refreshAll()
  }

  beforeAll(async () => {
    await h.importDims('store', STORES_CSV)
    await h.importDims('product', PRODUCTS_CSV)
    await h.importDims('customer', CUSTOMERS_CSV)
    h.ingest([seedSale({ timestamp: '2025-05-01T14:00:00Z', price: 15.5 }), seedSale({ timestamp: '2025-04-24T14:30:00Z', price: 10 })])
    h.process()
    h.gold.refreshAll()
    reader = new GoldReader(h.dir.path, { code: 'USD', minorUnitDigits: 2 })
    app = buildApp(appDeps(() => reader, { now: () => NOW, live: { pollMs: 20, healthMs: 60_000, pingMs: 60_000 } }))
  })
  afterAll(async () => {
    await app.close()
    reader.close()
    h.close()
  })

  it('GET /api/v1/day: a weak ETag of its bytes, the same while gold does not change, the same compressed; If-None-Match gets a 304', async () => {
    const day = await app.inject('/api/v1/day')
    const etag = day.headers.etag as string
    expect(etag).toMatch(/^W\/"[\w-]{22}"$/)
    expect(day.headers['content-type']).toBe('application/json; charset=utf-8')
    expect((await app.inject('/api/v1/day')).headers.etag).toBe(etag)
    expect((await app.inject({ url: '/api/v1/day', headers: { 'accept-encoding': 'br' } })).headers.etag).toBe(etag)
    // Another day, other bytes, another tag.
    expect((await app.inject('/api/v1/day?date=2025-04-24')).headers.etag).not.toBe(etag)

    const unchanged = await app.inject({ url: '/api/v1/day', headers: { 'if-none-match': etag } })
    expect([unchanged.statusCode, unchanged.body, unchanged.headers.etag]).toEqual([304, '', etag])
    expect((await app.inject({ url: '/api/v1/day', headers: { 'if-none-match': `"other", ${etag.slice(2)}` } })).statusCode).toBe(304)
    expect((await app.inject({ url: '/api/v1/day', headers: { 'if-none-match': '"other"' } })).statusCode).toBe(200)
  })

  it("a stream opened with /day's ETag skips the first day event, then sends every change; without it, or with another tag, the first is sent", async () => {
    const day = await app.inject('/api/v1/day')
    const etag = day.headers.etag as string
    const tagged = await open(`/api/v1/events?day_etag=${encodeURIComponent(etag)}`)
    expect(await untilHealth(tagged)).toEqual(['health'])

    // The hub now holds today's view: a second page with the tag (as it came or bare) skips it too.
    const bare = await open(`/api/v1/events?day_etag=${etag.slice(3, -1)}`)
    expect(await untilHealth(bare)).toEqual(['health'])
    const untagged = await open('/api/v1/events')
    expect(await untilHealth(untagged)).toEqual(['day', 'health'])
    const stale = await open(`/api/v1/events?day_etag=${encodeURIComponent('W/"AAAAAAAAAAAAAAAAAAAAAA"')}`)
    expect(await untilHealth(stale)).toEqual(['day', 'health'])

    // A sale of today: every page gets the new figures, the tagged ones included; /day's new tag is the event's.
    sell(1.25)
    const next = await tagged.next('day')
    expect(next.data).toMatchObject({ totals: { total_amount: 16.75 } })
    const now = await app.inject('/api/v1/day')
    expect(now.json()).toEqual(next.data)
    expect(now.headers.etag).not.toBe(etag)
    expect((await bare.next('day')).data).toEqual(next.data)

    // A page that drew the figures before that sale and connects after it gets the new ones.
    const late = await open(`/api/v1/events?day_etag=${encodeURIComponent(etag)}`)
    expect(await untilHealth(late)).toEqual(['day', 'health'])
  })

  it('day_etag is checked like every parameter: a tag longer than any ETag is a 400', async () => {
    const response = await app.inject(`/api/v1/events?day_etag=${'x'.repeat(65)}`)
    expect([response.statusCode, response.json().error.code]).toEqual([400, 'BAD_REQUEST'])
  })
})
