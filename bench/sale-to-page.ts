// tsx bench/sale-to-page.ts [runs]: sale -> staff page latency on this checkout's build (dist/),
// one JSON line per run on stdout. `npm run bench sale-to-page` runs it within the report. To
// compare two builds, copy this file into the other checkout and alternate (docs/benchmarks.md).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mqtt from 'mqtt'
import { chromium, type Page } from 'playwright-core'
import { salesTopic } from '../src/contract/device-topic.js'
import { benchDataDir } from './lib/data-dir.js'
import { runGenerator } from './lib/generator.js'
import { startMedallion } from './lib/targets.js'

export interface SaleToPage {
  sales: number
  /** Sales a second the other store's tills sent meanwhile (0: none). */
  backgroundPerS: number
  /** Each sale's PUBACK to the first moment the page's total counted it, ms. */
  latenciesMs: number[]
  p50Ms: number
  p99Ms: number
  maxMs: number
}

/** The nominal pace of one till: a sale every 100-250 ms (uniform), QoS 1. */
const GAP_MIN_MS = 100
const GAP_MAX_MS = 250

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/**
 * A daemon (this checkout's dist/) with the staff page open in Chromium; one device publishes
 * `sales` sales of 1.00 each at a nominal pace, and each is timed from its PUBACK to the moment the
 * page's total (`#total-amount`'s data-value) first reaches its count. The page records every change
 * of that attribute with a MutationObserver, on the same clock as the publisher (epoch ms from
 * performance.timeOrigin), so that polling the page costs nothing in what is measured.
 */
/** Waits until `expression` is true in the page (evaluated as text: the page's CSP forbids eval, not the DevTools protocol). */
async function waitInPage(page: Page, expression: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await page.evaluate<boolean>(expression))) {
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms in the page: ${expression}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Connections of the background load: tills of another store, paced together. */
const BACKGROUND_CONNECTIONS = 8

export async function benchSaleToPage(workDir: string, sales: number, backgroundPerS = 0): Promise<SaleToPage> {
  const target = await startMedallion({
    dataDir: benchDataDir(workDir, 'sale-to-page', 'data'),
    synchronous: 'FULL',
    connections: 1 + (backgroundPerS > 0 ? BACKGROUND_CONNECTIONS : 0),
    // The timed till in the page's store; the load in another, so that the page's total counts the timed sales alone.
    storeOf: (i) => (i === 0 ? 'store_001' : 'store_002'),
  })
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    await page.goto(`http://127.0.0.1:${target.httpPort}`)
    await waitInPage(page, `document.getElementById('total-amount')?.dataset.value === '0'`, 30_000)
    await waitInPage(page, `document.getElementById('connection')?.dataset.state === 'live'`, 30_000)
    // Browser code as text: the bench's TypeScript has Node's types, not the DOM's.
    await page.evaluate(`(() => {
      const total = document.getElementById('total-amount')
      window.seen = []
      new MutationObserver(() => window.seen.push([performance.timeOrigin + performance.now(), Number(total.dataset.value)])).observe(total, {
        attributes: true,
        attributeFilter: ['data-value'],
      })
    })()`)

    const device = target.connections[0]!
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${target.port}`, {
      clientId: device.clientId,
      username: device.username,
      password: device.password,
      reconnectPeriod: 0,
    })
    // The load runs through the pipeline (bronze, silver, gold) with the timed sales, from before the first to after the last.
    const durationS = Math.ceil((sales * GAP_MAX_MS) / 1000) + 5
    const background =
      backgroundPerS > 0
        ? runGenerator({ port: target.port, connections: target.connections.slice(1), window: 100, durationS, warmupS: 0, ratePerS: backgroundPerS })
        : Promise.resolve(undefined)
    await new Promise((resolve) => setTimeout(resolve, backgroundPerS > 0 ? 2000 : 0))
    const ackedAt: number[] = []
    let due = performance.now()
    for (let i = 0; i < sales; i++) {
      const sale = {
        event_id: crypto.randomUUID(),
        device_id: device.deviceId,
        store_id: device.storeId,
        timestamp: new Date().toISOString(),
        product_id: 101,
        price: 1,
        quantity: 1,
      }
      await client.publishAsync(salesTopic(device), JSON.stringify(sale), { qos: 1 })
      ackedAt.push(performance.timeOrigin + performance.now())
      due += GAP_MIN_MS + Math.random() * (GAP_MAX_MS - GAP_MIN_MS)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())))
    }
    await client.endAsync()
    await waitInPage(page, `Number(document.getElementById('total-amount')?.dataset.value) >= ${sales}`, 60_000)
    const load = await background
    if (load && load.errors.length > 0) throw new Error(`background load: ${load.errors.join('; ')}`)
    if (load && load.ackedPerS < 0.97 * backgroundPerS) throw new Error(`background load: ${load.ackedPerS} acked/s of ${backgroundPerS} offered`)
    const seen = await page.evaluate<[number, number][]>('window.seen')
    const latenciesMs = ackedAt.map((acked, i) => seen.find(([, total]) => total >= i + 1)![0] - acked)
    const sorted = [...latenciesMs].sort((a, b) => a - b)
    return { sales, backgroundPerS, latenciesMs, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1)! }
  } finally {
    await browser.close()
    await target.stop()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 1)
  for (let run = 0; run < runs; run++) {
    const workDir = mkdtempSync(join(tmpdir(), 'medallion-sale-to-page-'))
    try {
      const { latenciesMs, ...summary } = await benchSaleToPage(
        workDir,
        Number(process.env.BENCH_SALES ?? 200),
        Number(process.env.BENCH_SALE_TO_PAGE_LOAD ?? 2000),
      )
      process.stdout.write(
        JSON.stringify({
          ...summary,
          p90Ms: percentile(
            [...latenciesMs].sort((a, b) => a - b),
            90,
          ),
        }) + '\n',
      )
    } finally {
      rmSync(workDir, { recursive: true, force: true })
    }
  }
}
