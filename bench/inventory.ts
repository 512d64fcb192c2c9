import mqtt from 'mqtt'
import { Readable } from 'node:stream'
import { chromium } from 'playwright-core'
import { DeviceRegistry } from '../src/broker/device-registry.js'
import { BronzeStore, type IncomingMessage } from '../src/bronze/bronze-store.js'
import { configSchema } from '../src/config/schema.js'
import { eventTopic } from '../src/contract/device-topic.js'
import type { SqliteDatabase } from '../src/db/open.js'
import { GoldRefresher } from '../src/gold/gold-refresher.js'
import { openMigrated } from '../src/schemas.js'
import { DIMENSIONS } from '../src/silver/dims/dimension-spec.js'
import { importDimension } from '../src/silver/dims/import-dimension.js'
import { enricherFromConfig } from '../src/silver/enricher-from-config.js'
import type { SalesEnricher } from '../src/silver/sales-enricher.js'
import { addDays } from '../src/util/calendar-date.js'
import { seededRandom } from '../src/simulate/random.js'
import { percentile } from './lib/bronze-history.js'
import { median } from './lib/proc.js'
import { benchDataDir } from './lib/data-dir.js'
import { runGenerator } from './lib/generator.js'
import { startMedallion } from './lib/targets.js'

const STORE = 'store_001'
const SCANNER = { storeId: STORE, deviceId: 'scanner-1' }
const TILL = { storeId: STORE, deviceId: 'till-1' }
const HOUR_MS = 3_600_000

/** A store's day as the issue sizes it: a count of every product, 2,000 receipts, 50,000 sales. */
export interface StoreDay {
  products: number
  receipts: number
  sales: number
}

export interface InventoryRefreshBench {
  products: number
  /** Bronze events of the store's history (counts, receipts, sales). */
  events: number
  /** Silver and gold from empty to caught up on that history. */
  silverS: number
  goldCatchUpS: number
  /** Gold's step after `touched` new sales today, each of another product (median of the rounds). */
  newSalesMs: number
  /** Gold's step after `touched` late counts of yesterday (their products walked from yesterday to today). */
  lateCountsMs: number
  /** Gold's step after a day change of yesterday (every product of the store walked again). */
  wholeStoreMs: number
  touched: number
  rowsOfToday: number
  /** The data directory, gold caught up: what the daemon part runs on. */
  dataDir: string
}

function products(count: number): Readable {
  return Readable.from(
    (function* () {
      yield 'product_id,product_name,category\n'
      for (let i = 1; i <= count; i++) yield `${i},Product ${i},Category ${i % 40}\n`
    })(),
  )
}

/** Commits events as the bronze thread would: messages of up to 100 events, groups of 200 messages. */
class BronzeWriter {
  private readonly store: BronzeStore
  private group: IncomingMessage[] = []
  private pending: Record<string, unknown>[] = []
  private topic = ''
  events = 0

  constructor(db: SqliteDatabase) {
    this.store = new BronzeStore(db, { maxPayloadBytes: 1 << 20, maxBatchItems: 100, minorUnitDigits: 2, rejectPayloadKeepBytes: 1024 })
  }

  add(topic: string, event: Record<string, unknown>): void {
    if (topic !== this.topic || this.pending.length === 100) this.flushMessage()
    this.topic = topic
    this.pending.push(event)
    this.events++
  }

  flush(): void {
    this.flushMessage()
    if (this.group.length > 0) this.store.commit(this.group)
    this.group = []
  }

  private flushMessage(): void {
    if (this.pending.length === 0) return
    const payload = Buffer.from(JSON.stringify(this.pending))
    this.group.push({ topic: this.topic, clientId: null, payload, payloadBytes: payload.byteLength, receivedAtMs: Date.now() })
    this.pending = []
    if (this.group.length === 200) {
      this.store.commit(this.group)
      this.group = []
    }
  }
}

const iso = (ms: number): string => new Date(ms).toISOString()

function sale(id: string, atMs: number, product: number, quantity = 1, deviceId = TILL.deviceId): Record<string, unknown> {
  return { event_id: id, device_id: deviceId, store_id: STORE, timestamp: iso(atMs), product_id: product, price: 2.5, quantity, order_id: id }
}

function inventory(id: string, atMs: number, product: number, type: string, quantity: number, deviceId = SCANNER.deviceId): Record<string, unknown> {
  return { event_id: id, device_id: deviceId, store_id: STORE, timestamp: iso(atMs), product_id: product, type, quantity }
}

/** A store-day's events in time order: the morning count, receipts through the day, sales through opening hours. */
function writeDay(bronze: BronzeWriter, date: string, day: StoreDay, random: () => number): void {
  const start = Date.parse(`${date}T00:00:00Z`)
  const inventoryTopic = eventTopic(SCANNER, 'inventory')
  const salesTopic = eventTopic(TILL, 'sales')
  for (let p = 1; p <= day.products; p++) bronze.add(inventoryTopic, inventory(`c-${date}-${p}`, start + 6 * HOUR_MS, p, 'count', 40 + (p % 20)))
  const moments: [number, 'receipt' | 'sale'][] = [
    ...Array.from({ length: day.receipts }, (): [number, 'receipt'] => [start + 7 * HOUR_MS + random() * 13 * HOUR_MS, 'receipt']),
    ...Array.from({ length: day.sales }, (): [number, 'sale'] => [start + 8 * HOUR_MS + random() * 13 * HOUR_MS, 'sale']),
  ].sort((a, b) => a[0] - b[0])
  moments.forEach(([atMs, kind], i) => {
    const product = 1 + Math.floor(random() * day.products)
    if (kind === 'receipt') bronze.add(inventoryTopic, inventory(`r-${date}-${i}`, Math.floor(atMs), product, 'receipt', 24))
    else bronze.add(salesTopic, sale(`s-${date}-${i}`, Math.floor(atMs), product))
  })
  bronze.flush()
}

function catchUp(enricher: SalesEnricher, gold: GoldRefresher): { silverMs: number; goldMs: number } {
  let started = performance.now()
  while (enricher.processNext().rows > 0) {
    // until silver holds all of bronze
  }
  const silverMs = performance.now() - started
  started = performance.now()
  while (gold.refresh().pending) {
    // until gold is caught up
  }
  return { silverMs, goldMs: performance.now() - started }
}

/** Silver's new rows, then one timed gold step (the whole of it: the sales facts and the stock). */
function timedStep(enricher: SalesEnricher, gold: GoldRefresher): number {
  while (enricher.processNext().rows > 0) {
    // the new events into silver (not timed: gold's step is)
  }
  const started = performance.now()
  let pending = true
  while (pending) pending = gold.refresh().pending
  return performance.now() - started
}

/**
 * Gold's inventory refresh on a store of `day.products` products: `days` days of history (each
 * with a count of every product, the receipts and the sales), caught up, then rounds of: new sales
 * of `touched` products today; late counts of `touched` products yesterday; a change of yesterday
 * that walks every product again. In process, on the real bronze store, silver enricher and gold
 * refresher (what the threads run), so the figures are the steps' own.
 */
export async function benchInventoryRefresh(
  workDir: string,
  day: StoreDay,
  options: { days: number; touched: number; rounds: number },
  log: (line: string) => void,
): Promise<InventoryRefreshBench> {
  const dataDir = benchDataDir(workDir, 'inventory', String(day.products), 'data')
  const config = configSchema.parse({ dataDir, timezone: 'UTC', storeId: STORE })
  const db = openMigrated(dataDir)
  const enricher = enricherFromConfig(db, config)
  await importDimension(db, enricher, DIMENSIONS.product, products(day.products), 'csv', { asOfMs: Date.now() })
  const random = seededRandom(day.products)
  const bronze = new BronzeWriter(db)
  const today = new Date().toISOString().slice(0, 10)
  for (let back = options.days; back >= 1; back--) writeDay(bronze, addDays(today, -back), day, random)
  log(`  ${day.products} products: ${bronze.events} events of ${options.days} days in bronze`)
  const gold = new GoldRefresher(db)
  const first = catchUp(enricher, gold)
  log(`  silver ${(first.silverMs / 1000).toFixed(1)} s, gold caught up ${(first.goldMs / 1000).toFixed(1)} s`)

  const pick = (): number[] => {
    const chosen = new Set<number>()
    while (chosen.size < Math.min(options.touched, day.products)) chosen.add(1 + Math.floor(random() * day.products))
    return [...chosen]
  }
  const newSales: number[] = []
  const lateCounts: number[] = []
  const wholeStore: number[] = []
  const yesterday = addDays(today, -1)
  for (let round = 0; round < options.rounds; round++) {
    const now = Date.now()
    for (const product of pick()) bronze.add(eventTopic(TILL, 'sales'), sale(`n-${round}-${product}`, now - 1000, product))
    bronze.flush()
    newSales.push(timedStep(enricher, gold))
    const at = Date.parse(`${yesterday}T12:00:00Z`) + round
    for (const product of pick()) bronze.add(eventTopic(SCANNER, 'inventory'), inventory(`l-${round}-${product}`, at, product, 'count', 30))
    bronze.flush()
    lateCounts.push(timedStep(enricher, gold))
    db.prepare('INSERT INTO silver.day_changes (store_id, sale_date) VALUES (?, ?)').run(STORE, yesterday)
    wholeStore.push(timedStep(enricher, gold))
  }
  const rowsOfToday = db.prepare('SELECT count(*) FROM gold.fact_inventory WHERE stock_date = ?').pluck().get(today) as number
  db.close()
  const result = {
    products: day.products,
    events: bronze.events,
    silverS: first.silverMs / 1000,
    goldCatchUpS: first.goldMs / 1000,
    newSalesMs: median(newSales),
    lateCountsMs: median(lateCounts),
    wholeStoreMs: median(wholeStore),
    touched: options.touched,
    rowsOfToday,
    dataDir,
  }
  log(
    `  step after ${options.touched} new sales ${result.newSalesMs.toFixed(1)} ms, ${options.touched} late counts ${result.lateCountsMs.toFixed(1)} ms, whole store ${result.wholeStoreMs.toFixed(1)} ms`,
  )
  return result
}

export interface InventoryDaemonBench {
  products: number
  ingest: { ratePerS: number; ackedPerS: number; ackP99Ms: number | null }
  /**
   * GET /api/v1/inventory/now (its first page) while the sales come in: as curl asks (no
   * compression) and as a browser does (gzip); and GET /healthz in the same turns, the broker
   * thread's own pauses under that load (what any answer waits for).
   */
  now: Record<Asked, { requests: number; p50Ms: number; p99Ms: number; bytes: number }>
  /** A sale that empties a shelf, from its PUBACK to the product in the staff page's "Out of stock" (Chromium). */
  panelMs: number[]
}

type Asked = 'identity' | 'gzip' | 'healthz'
const ASKED: readonly Asked[] = ['identity', 'gzip', 'healthz']

/**
 * The daemon on a store of many products (the data `benchInventoryRefresh` left): sales at
 * `ratePerS` from the load generator; meanwhile GET /api/v1/inventory/now back to back (its first
 * page, as central or a script reads it), and, on a staff page open in Chromium, shelves
 * emptied one by one (a count of 1, then a sale of it), each timed to the moment the panel lists it.
 */
export async function benchInventoryDaemon(
  dataDir: string,
  products: number,
  options: { ratePerS: number; durationS: number; shelves: number },
  log: (line: string) => void,
): Promise<InventoryDaemonBench> {
  const registryDb = openMigrated(dataDir, { attach: [] })
  const scanner = new DeviceRegistry(registryDb).issue('bench-scanner', STORE)
  registryDb.close()
  const target = await startMedallion({ dataDir, synchronous: 'FULL', connections: 4 })
  const base = `http://127.0.0.1:${target.httpPort}`
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${target.port}`, {
    clientId: scanner.deviceId,
    username: scanner.deviceId,
    password: scanner.token,
    reconnectPeriod: 0,
  })
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    await page.goto(base)
    await page.locator('#stock-card').waitFor({ state: 'visible', timeout: 60_000 })
    const load = runGenerator({
      port: target.port,
      connections: target.connections,
      window: 100,
      durationS: options.durationS,
      warmupS: 1,
      ratePerS: options.ratePerS,
    })
    const loadEnds = performance.now() + options.durationS * 1000
    const now = Object.fromEntries(ASKED.map((asked) => [asked, { requests: 0, p50Ms: 0, p99Ms: 0, bytes: 0 }])) as InventoryDaemonBench['now']
    const asking = (async () => {
      const times: Record<Asked, number[]> = { identity: [], gzip: [], healthz: [] }
      for (let i = 0; performance.now() < loadEnds - 1000; i++) {
        const asked = ASKED[i % ASKED.length]!
        const started = performance.now()
        const response = await fetch(`${base}${asked === 'healthz' ? '/healthz' : '/api/v1/inventory/now'}`, {
          headers: { 'accept-encoding': asked === 'gzip' ? 'gzip' : 'identity' },
        })
        const body = Buffer.from(await response.arrayBuffer())
        times[asked].push(performance.now() - started)
        now[asked].bytes = body.byteLength
      }
      for (const asked of ASKED)
        Object.assign(now[asked], { requests: times[asked].length, p50Ms: percentile(times[asked], 0.5), p99Ms: percentile(times[asked], 0.99) })
    })()
    const panelMs: number[] = []
    await new Promise((resolve) => setTimeout(resolve, 2000))
    for (let shelf = 0; shelf < options.shelves; shelf++) {
      const product = 10 + shelf
      const at = Date.now()
      await client.publishAsync(
        eventTopic(scanner, 'inventory'),
        JSON.stringify(inventory(`shelf-c-${shelf}`, at - 1000, product, 'count', 1, scanner.deviceId)),
        { qos: 1 },
      )
      await client.publishAsync(eventTopic(scanner, 'sales'), JSON.stringify(sale(`shelf-s-${shelf}`, at, product, 1, scanner.deviceId)), { qos: 1 })
      const acked = performance.now()
      await page.locator(`#stock-out li[data-product-id="${product}"]`).waitFor({ state: 'attached', timeout: 60_000 })
      panelMs.push(performance.now() - acked)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    await asking
    const ingest = await load
    log(
      `  ${products} products: ingest ${Math.round(ingest.ackedPerS)} msg/s (p99 ${ingest.ackP99Ms} ms); /inventory/now p99 ${now.identity.p99Ms.toFixed(1)} ms (${now.identity.bytes} bytes), gzip ${now.gzip.p99Ms.toFixed(1)} ms, /healthz ${now.healthz.p99Ms.toFixed(1)} ms; panel ${panelMs.map((ms) => ms.toFixed(0)).join(', ')} ms`,
    )
    return { products, ingest: { ratePerS: options.ratePerS, ackedPerS: ingest.ackedPerS, ackP99Ms: ingest.ackP99Ms }, now, panelMs }
  } finally {
    await client.endAsync()
    await browser.close()
    await target.stop()
  }
}
