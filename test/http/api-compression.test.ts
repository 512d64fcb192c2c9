import type { FastifyInstance } from 'fastify'
import { request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GoldReader } from '../../src/gold/gold-reader.js'
import { buildApp, COMPRESS_THRESHOLD_BYTES } from '../../src/http/app.js'
import { RoleCheck } from '../../src/http/roles.js'
import { appDeps } from '../helpers/app-deps.js'
import { seedSale } from '../helpers/sales.js'
import { CUSTOMERS_CSV, SilverHarness, STORES_CSV } from '../helpers/silver-harness.js'
import { EventReader } from '../helpers/sse.js'

/** 1 May 2025, 22:30 in New York (store_001's zone). */
const NOW = Date.parse('2025-05-02T02:30:00Z')
const ADMIN = 'admin-token-0123456789'
const PRODUCTS = Array.from({ length: 12 }, (_, i) => ({ id: 101 + i, name: `Product number ${i + 1}`, category: i % 2 ? 'Bakery' : 'Beverages' }))

/** One GET over a real socket, the body as sent (not decoded). */
function get(base: string, path: string, headers: Record<string, string> = {}): Promise<{ response: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ response, body: Buffer.concat(chunks) }))
      response.on('error', reject)
    })
      .on('error', reject)
      .end()
  })
}

/** Issue 20, item 12: the API's JSON answers went uncompressed. */
describe("the API's answers are compressed as the client accepts; the live stream never is", () => {
  const h = new SilverHarness()
  let reader: GoldReader
  let app: FastifyInstance
  let base: string

  beforeAll(async () => {
    await h.importDims('store', STORES_CSV)
    await h.importDims('product', `product_id,product_name,category\n${PRODUCTS.map((p) => `${p.id},${p.name},${p.category}`).join('\n')}\n`)
    await h.importDims('customer', CUSTOMERS_CSV)
    h.ingest(PRODUCTS.map((p, i) => seedSale({ timestamp: `2025-05-01T${String(12 + (i % 10)).padStart(2, '0')}:00:00Z`, product_id: p.id, price: 1 + i })))
    h.process()
    h.gold.refreshAll()
    reader = new GoldReader(h.dir.path, { code: 'USD', minorUnitDigits: 2 })
    // Staff open (no staff token), as on most shop floors; the admin token for /metrics.
    app = buildApp(appDeps(() => reader, { now: () => NOW, roles: new RoleCheck({ admin: ADMIN }), live: { pollMs: 20, healthMs: 50, pingMs: 60_000 } }))
    const address = (await app.listen({ host: '127.0.0.1', port: 0 }), app.server.address() as AddressInfo)
    base = `http://127.0.0.1:${address.port}`
  })
  afterAll(async () => {
    await app.close()
    reader.close()
    h.close()
  })

  it('GET /api/v1/day over 1 KB: Brotli or gzip as asked, the same JSON once decoded; plain without Accept-Encoding', async () => {
    const plain = await get(base, '/api/v1/day')
    expect(plain.response.statusCode).toBe(200)
    expect(plain.response.headers['content-encoding']).toBeUndefined()
    expect(plain.body.byteLength).toBeGreaterThan(COMPRESS_THRESHOLD_BYTES)
    const expected = JSON.parse(plain.body.toString('utf8')) as unknown

    const br = await get(base, '/api/v1/day', { 'accept-encoding': 'gzip, deflate, br' })
    expect([br.response.statusCode, br.response.headers['content-encoding'], br.response.headers.vary]).toEqual([200, 'br', 'accept-encoding'])
    expect(br.body.byteLength).toBeLessThan(plain.body.byteLength)
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true)
    expect(JSON.parse(brotliDecompressSync(br.body).toString('utf8'))).toEqual(expected)

    const gzip = await get(base, '/api/v1/day', { 'accept-encoding': 'gzip' })
    expect(gzip.response.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true)

    // Only what it offers: deflate alone gets the plain bytes.
    const deflate = await get(base, '/api/v1/day', { 'accept-encoding': 'deflate' })
    expect(deflate.response.headers['content-encoding']).toBeUndefined()
    expect(deflate.body.equals(plain.body)).toBe(true)
  })

  it('an answer under 1 KB goes as it is; so does an error', async () => {
    const small = await get(base, '/api/v1/session', { 'accept-encoding': 'br, gzip' })
    expect(small.response.statusCode).toBe(200)
    expect(small.body.byteLength).toBeLessThan(COMPRESS_THRESHOLD_BYTES)
    expect(small.response.headers['content-encoding']).toBeUndefined()
    const error = await get(base, '/api/v1/day?date=x', { 'accept-encoding': 'br, gzip' })
    expect([error.response.statusCode, error.response.headers['content-encoding']]).toEqual([400, undefined])
  })

  it('the Prometheus text is compressed too', async () => {
    const metrics = await get(base, '/metrics', { 'accept-encoding': 'gzip', authorization: `Bearer ${ADMIN}` })
    expect([metrics.response.statusCode, metrics.response.headers['content-encoding']]).toEqual([200, 'gzip'])
    expect(gunzipSync(metrics.body).toString('utf8')).toMatch(/medallion_http_requests_total/)
  })

  it('GET /api/v1/events asked with Accept-Encoding: not compressed, each event arrives as it is written', async () => {
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      request(`${base}/api/v1/events`, { headers: { 'accept-encoding': 'gzip, deflate, br' } }, resolve)
        .on('error', reject)
        .end(),
    )
    try {
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8')
      expect(response.headers['content-encoding']).toBeUndefined()
      const events = new EventReader(response)
      expect((await events.next('day')).data).toMatchObject({ totals: { date: '2025-05-01' } })
      // Health every 50 ms: several reach the page one by one while the stream stays open.
      for (let i = 0; i < 3; i++) expect((await events.next('health')).event).toBe('health')
      expect(events.ended).toBe(false)
    } finally {
      response.destroy()
    }
  })
})
