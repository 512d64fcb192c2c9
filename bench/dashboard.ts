import { benchDataDir } from './lib/data-dir.js'
import { readFileSync } from 'node:fs'
import { get, type ClientRequest } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { GoldRefresher } from '../src/gold/gold-refresher.js'
import { prepareGoldData } from './gold.js'
import { runGenerator } from './lib/generator.js'
import { loadPageCalls, type CallLatency } from './lib/page-calls.js'
import { cpuSeconds } from './lib/proc.js'
import { startMedallion, type Target } from './lib/targets.js'

const BUILT = fileURLToPath(new URL('../dist/http/dashboard/', import.meta.url))
const DAY_MS = 86_400_000

export interface DashboardBench {
  goldSales: number
  ingestRate: number
  ingestAlone: { ackedPerS: number; ackP99Ms: number | null }
  ingestWithApi: { ackedPerS: number; ackP99Ms: number | null }
  apiRatePerS: number
  apiSeconds: number
  endpoints: CallLatency[]
  streams: { count: number; seconds: number; salesPerS: number; idleCorePct: number; withStreamsCorePct: number; dayEventsPerStream: number }
  page: { files: number; brotliBytes: number; gzipBytes: number; firstTotalsMs: number[] }
}

/**
 * The staff page's cost on a year of gold: the latency of each call the page makes, arriving at
 * random as independent pages make them, while the fleet publishes at a fixed rate next to it (and
 * that rate alone, for the ratio);
 * what 100 open event streams cost the daemon at one sale a second; the page's weight and its time
 * to first totals in Chromium.
 */
export async function benchDashboard(workDir: string, goldSales: number, log: (line: string) => void): Promise<DashboardBench> {
  const dataDir = benchDataDir(workDir, 'dashboard-bench', 'data')
  const db = prepareGoldData(dataDir, goldSales)
  // Caught up by refreshes: a rebuild recomputes days only up to where gold's additions stand.
  new GoldRefresher(db).refreshAll()
  db.close()
  log(`  a year of gold from ${goldSales} sales`)
  const target = await startMedallion({ dataDir, synchronous: 'FULL', connections: 8 })
  try {
    const base = `http://127.0.0.1:${target.httpPort}`
    const ingestRate = 2000
    const load = (durationS: number) =>
      runGenerator({ port: target.port, connections: target.connections, window: 100, durationS, warmupS: 1, ratePerS: ingestRate })
    await load(3) // the daemon's first seconds (JIT, caches) are not what is measured
    const alone = await load(10)
    log(`  ingest alone at ${ingestRate} msg/s: ${Math.round(alone.ackedPerS)} acked/s, ack p99 ${alone.ackP99Ms} ms`)

    const past = new Date(Date.now() - 90 * DAY_MS).toISOString().slice(0, 10)
    const paths = [
      '/',
      '/api/v1/session',
      '/api/v1/day',
      '/api/v1/totals',
      '/api/v1/top-products',
      `/api/v1/day?date=${past}`,
      '/api/v1/pipeline',
      '/api/v1/devices',
    ]
    const apiRate = 100
    const apiSeconds = 20
    const loaded = load(apiSeconds + 4)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const endpoints = await loadPageCalls(base, paths, apiRate, apiSeconds)
    for (const e of endpoints)
      log(`  ${e.path}: ${e.requests} requests, p50 ${e.p50Ms} ms, p99 ${e.p99Ms} ms, max ${e.maxMs.toFixed(1)} ms, ${e.failures} failed`)
    const withApi = await loaded
    log(`  ingest with the API load: ${Math.round(withApi.ackedPerS)} acked/s, ack p99 ${withApi.ackP99Ms} ms`)

    const streams = await measureStreams(target, base, log)
    const page = await measurePage(base, log)
    return {
      goldSales,
      ingestRate,
      apiRatePerS: apiRate,
      apiSeconds,
      endpoints,
      streams,
      page,
      ingestAlone: { ackedPerS: alone.ackedPerS, ackP99Ms: alone.ackP99Ms },
      ingestWithApi: { ackedPerS: withApi.ackedPerS, ackP99Ms: withApi.ackP99Ms },
    }
  } finally {
    await target.stop()
  }
}

/** Daemon CPU at one sale a second with no page open, then with 100 pages on the live stream. */
async function measureStreams(target: Target, base: string, log: (line: string) => void): Promise<DashboardBench['streams']> {
  const seconds = 30
  const count = 100
  const trickle = (): Promise<unknown> =>
    runGenerator({ port: target.port, connections: target.connections.slice(0, 1), window: 1, durationS: seconds, warmupS: 0, ratePerS: 1 })
  const cpuDuring = async (): Promise<number> => {
    const before = cpuSeconds(target.pid)
    const started = performance.now()
    await trickle()
    return (100 * (cpuSeconds(target.pid) - before)) / ((performance.now() - started) / 1000)
  }
  const idleCorePct = await cpuDuring()
  const dayEvents: number[] = Array.from({ length: count }, () => 0)
  const requests: ClientRequest[] = []
  await Promise.all(
    dayEvents.map(
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          const request = get(`${base}/api/v1/events`, (response) => {
            response.setEncoding('utf8')
            response.on('data', (chunk: string) => (dayEvents[i]! += chunk.split('event: day\n').length - 1))
            resolve()
          })
          request.once('error', reject)
          requests.push(request)
        }),
    ),
  )
  await new Promise((resolve) => setTimeout(resolve, 2000)) // the first view and health to every page
  const opened = dayEvents.reduce((sum, n) => sum + n, 0)
  const withStreamsCorePct = await cpuDuring()
  for (const request of requests) request.destroy()
  const dayEventsPerStream = (dayEvents.reduce((sum, n) => sum + n, 0) - opened) / count
  log(
    `  one sale a second for ${seconds} s: daemon ${idleCorePct.toFixed(2)}% of a core with no page, ${withStreamsCorePct.toFixed(2)}% with ${count} streams (${dayEventsPerStream.toFixed(1)} day events each)`,
  )
  return { count, seconds, salesPerS: 1, idleCorePct, withStreamsCorePct, dayEventsPerStream }
}

/** Bytes of a file as the daemon serves it to a browser that accepts an encoding. */
function servedBytes(url: string, encoding: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': encoding } }, (response) => {
      let bytes = 0
      response.on('data', (chunk: Buffer) => (bytes += chunk.byteLength))
      response.once('end', () => resolve(bytes))
    }).once('error', reject)
  })
}

/** All the page's files as the daemon serves them, and the time to its first totals in Chromium (cold cache). */
async function measurePage(base: string, log: (line: string) => void): Promise<DashboardBench['page']> {
  const list = JSON.parse(readFileSync(join(BUILT, 'assets.json'), 'utf8')) as { files: { path: string }[] }
  const sum = async (encoding: string): Promise<number> =>
    (await Promise.all(list.files.map((file) => servedBytes(`${base}${file.path}`, encoding)))).reduce((a, b) => a + b, 0)
  const brotliBytes = await sum('br')
  const gzipBytes = await sum('gzip')
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const firstTotalsMs: number[] = []
  try {
    for (let run = 0; run < 6; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
      const page = await context.newPage()
      await page.goto(base)
      // A function, not a string: the page's Content-Security-Policy forbids eval.
      await page.waitForFunction(() => performance.getEntriesByName('medallion:first-totals').length > 0, undefined, { timeout: 10_000 })
      const ms = await page.evaluate(() => performance.getEntriesByName('medallion:first-totals')[0]!.startTime)
      if (run > 0) firstTotalsMs.push(ms) // the first load also starts Chromium's own caches
      await context.close()
    }
  } finally {
    await browser.close()
  }
  log(
    `  page: ${list.files.length} files, ${(brotliBytes / 1024).toFixed(1)} KiB Brotli (${(gzipBytes / 1024).toFixed(1)} KiB gzip); first totals ${firstTotalsMs.map((ms) => ms.toFixed(0)).join(', ')} ms`,
  )
  return { files: list.files.length, brotliBytes, gzipBytes, firstTotalsMs }
}
