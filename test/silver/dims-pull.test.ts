import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { DIMENSIONS } from '../../src/silver/dims/dimension-spec.js'
import { pullDimension, type PullContext } from '../../src/silver/dims/pull-dimension.js'
import { syncDimensions } from '../../src/silver/dims/sync-dimensions.js'
import { DimsServer } from '../helpers/dims-server.js'
import { CUSTOMERS_CSV, PRODUCTS_CSV, SilverHarness, STORES_CSV } from '../helpers/silver-harness.js'
import { readStatus } from '../../src/cli/status.js'

describe('pulling dimensions from central (a real local HTTP server)', () => {
  let h: SilverHarness
  let server: DimsServer
  let sleeps: number[]
  let context: PullContext

  beforeEach(async () => {
    h = new SilverHarness()
    server = new DimsServer()
    await server.start()
    server.set('product', PRODUCTS_CSV, 'p1')
    server.set('customer', CUSTOMERS_CSV, 'c1')
    server.set('store', STORES_CSV, 's1')
    sleeps = []
    const config = configSchema.parse({
      dataDir: h.dir.path,
      dims: { url: server.urlTemplate, token: 'dims-token-0123456789', timeoutMs: 30_000, retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 250 } },
    })
    context = {
      db: h.db,
      enricher: h.enricher,
      dims: config.dims,
      storeId: 'store_001',
      dataDir: h.dir.path,
      now: Date.now,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.999,
    }
  })
  afterEach(async () => {
    await server.stop()
    h.close()
  })

  it('loads every dimension, then asks with If-None-Match and gets 304s', async () => {
    expect((await syncDimensions(context)).map((o) => [o.dimension, o.status])).toEqual([
      ['store', 'updated'],
      ['product', 'updated'],
      ['customer', 'updated'],
    ])
    expect(server.requests.map((r) => r.headers['if-none-match'] ?? null)).toEqual([null, null, null])
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(Array(3).fill('Bearer dims-token-0123456789'))
    expect(server.requests[0]!.url).toBe('/dims/store.csv?store=store_001') // the {dimension} and {store_id} template

    expect((await syncDimensions(context)).map((o) => o.status)).toEqual(['unchanged', 'unchanged', 'unchanged'])
    expect(server.requests.slice(3).map((r) => [r.headers['if-none-match'], r.status])).toEqual([
      ['"s1"', 304],
      ['"p1"', 304],
      ['"c1"', 304],
    ])

    server.set('product', 'product_id,product_name,category\n101,Espresso,Coffee\n102,Croissant,Bakery\n', 'p2')
    const [, product] = await syncDimensions(context)
    expect(product).toMatchObject({ status: 'updated', summary: { changed: 1, unchanged: 1 } })
    const sync = h.db.prepare("SELECT etag, last_success_at, last_error FROM silver.dim_sync WHERE dimension = 'product'").get() as {
      etag: string
      last_success_at: string
      last_error: null
    }
    expect(sync).toMatchObject({ etag: '"p2"', last_error: null })
    expect(Date.parse(sync.last_success_at)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('retries 500s, 429s and timeouts with growing, capped, jittered waits', async () => {
    server.fail('product', 'status-500', 'status-429', 'hang')
    // The hang can only end by the timeout; the answers before it get 3 s, a margin a loaded machine meets.
    const outcome = await pullDimension(DIMENSIONS.product, { ...context, dims: { ...context.dims, timeoutMs: 3000 } })
    expect(outcome).toMatchObject({ status: 'updated', attempts: 4 })
    expect(sleeps).toEqual([99, 199, 249]) // 0.999 x min(250, 100 x 2^k)
  })

  it('resumes a download cut in the middle with Range and If-Range', async () => {
    const big = 'product_id,product_name,category\n' + Array.from({ length: 2000 }, (_, i) => `${i + 1},Product ${i + 1},Category ${i % 7}`).join('\n') + '\n'
    server.set('product', big, 'big1')
    server.fail('product', 'cut-mid-body')
    // Cut only once the client saved some of the first half (else it rightly starts over, with a 200).
    const partFile = join(h.dir.path, 'downloads', 'product.part')
    server.cutWhen = () => existsSync(partFile) && statSync(partFile).size > 0
    const outcome = await pullDimension(DIMENSIONS.product, context)
    expect(outcome).toMatchObject({ status: 'updated', attempts: 2, summary: { inserted: 2000 } })
    const resumed = server.requests.filter((r) => r.dimension === 'product')[1]!
    expect(resumed.status).toBe(206)
    expect(resumed.headers.range).toMatch(/^bytes=\d+-$/)
    expect(resumed.headers['if-range']).toBe('"big1"')
    expect(h.db.prepare('SELECT count(*) FROM silver.dim_product').pluck().get()).toBe(2000)
  })

  it('does not retry a 403; the other dimensions still sync; status shows when and why', async () => {
    server.fail('product', 'status-403')
    const outcomes = await syncDimensions(context)
    expect(outcomes.map((o) => [o.dimension, o.status, o.attempts])).toEqual([
      ['store', 'updated', 1],
      ['product', 'failed', 1],
      ['customer', 'updated', 1],
    ])
    expect(outcomes[1]!.error).toMatch(/HTTP 403/)
    const config = configSchema.parse({ dataDir: h.dir.path, mqtt: { port: 1 } })
    const report = await readStatus(config, 'test')
    expect(report.silver!.sync).toEqual([
      { dimension: 'customer', lastSuccessAt: expect.any(String), lastAttemptAt: expect.any(String), lastError: null },
      { dimension: 'product', lastSuccessAt: null, lastAttemptAt: expect.any(String), lastError: expect.stringMatching(/HTTP 403/) },
      { dimension: 'store', lastSuccessAt: expect.any(String), lastAttemptAt: expect.any(String), lastError: null },
    ])
  })

  it('refuses a bad file from central without applying it, and does not retry it', async () => {
    server.set('product', 'product_id,product_name\n101,Espresso\n', 'bad')
    const outcome = await pullDimension(DIMENSIONS.product, context)
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/missing column category/) })
    expect(h.db.prepare('SELECT count(*) FROM silver.dim_product').pluck().get()).toBe(0)
  })
})
