// npm run bench [-- stage ...]: runs the benchmarks and prints a markdown report; see docs/benchmarks.md.
import { benchDataDir } from './lib/data-dir.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { compareBuilds, compareConcentrator, compareIngest, measure, type IngestComparison } from './ingest.js'
import { connectStorm } from './connect-storm.js'
import { compareDedupeIndexes } from './dedupe-index.js'
import { idleRss } from './idle.js'
import { startMedallion } from './lib/targets.js'
import { compareScale } from './scale.js'
import { benchSilver } from './silver.js'
import { benchGold } from './gold.js'
import { benchSustained } from './sustained-report.js'
import { benchSnapshots } from './snapshot.js'
import { benchDashboard } from './dashboard.js'
import { benchSaleToPage } from './sale-to-page.js'
import { benchInventoryDaemon, benchInventoryRefresh } from './inventory.js'
import { median } from './lib/proc.js'

const stages = process.argv.slice(2)
const wants = (stage: string): boolean => stages.length === 0 || stages.includes(stage)
const log = (line: string): void => void process.stderr.write(line + '\n')
const out: string[] = []
const workDir = mkdtempSync(join(tmpdir(), 'medallion-bench-'))

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const ratio = (a: number, b: number): string => (a / b).toFixed(2)
const BACKGROUND_LABEL = (perS: number): string =>
  perS > 0 ? `8 tills of another store send ${fmt(perS)} sales/s through the same pipeline` : 'nothing else runs'

function ingestTable(medians: IngestComparison['medians']): string[] {
  return [
    '| broker | msg/s | p50 ms | p99 ms | broker CPU (cores) | generator CPU | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(medians).map(
      ([name, s]) =>
        `| ${name} | ${fmt(s.ackedPerS)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.brokerCpu.toFixed(2)} | ${s.generatorCpu.toFixed(2)} | ${s.peakRssMiB.toFixed(0)} |`,
    ),
  ]
}

function spread(runs: IngestComparison['runs'], target: string): string {
  const rates = runs.filter((run) => run.target === target).map((run) => run.result.ackedPerS)
  return `${fmt(Math.min(...rates))}-${fmt(Math.max(...rates))}`
}

try {
  out.push(`# Benchmark results`, '', `${new Date().toISOString()}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`, '')

  // `peak`: the alternating comparison alone (the anchors and the ratios), without the latency, concentrator and sustained stages.
  if (wants('ingest') || stages.includes('peak')) {
    const stageStarted = performance.now()
    const settings = { workDir, rounds: 3, durationS: 10, warmupS: 2, connections: 8, window: 100 }
    log(`ingest: ${settings.rounds} rounds x ${settings.durationS} s, ${settings.connections} connections, window ${settings.window}`)
    const comparison = await compareIngest(settings, log)
    const m = comparison.medians
    const mosq = m['mosquitto']!
    const aedes = m['bare aedes']!
    const full = m['medallion-edge (FULL)']!
    out.push('## Ingest, QoS 1, ~220-byte sales, one registered device per connection (medians of 3 alternating rounds)', '', ...ingestTable(m))
    const nodelay = m['mosquitto (TCP_NODELAY)']!
    const capture = m['simplest durable capture']!
    out.push(
      '',
      `- medallion-edge (FULL) / mosquitto (TCP_NODELAY): **${ratio(full.ackedPerS, nodelay.ackedPerS)}x** (issue 24's peak target >= 1.0); / mosquitto (default, Nagle on): ${ratio(full.ackedPerS, mosq.ackedPerS)}x`,
      `- medallion-edge (FULL) / the simplest durable capture (aedes + one SQLite table, group commit, ack after commit): **${ratio(full.ackedPerS, capture.ackedPerS)}x** (target >= 2)`,
      `- medallion-edge (FULL) / bare aedes: **${ratio(full.ackedPerS, aedes.ackedPerS)}x** (target >= 0.7)`,
      `- synchronous NORMAL / FULL: ${ratio(m['medallion-edge (NORMAL)']!.ackedPerS, full.ackedPerS)}x`,
      '',
    )

    if (wants('ingest')) {
      const rate = Math.round(full.ackedPerS * 0.8)
      log(`ack latency at 80% of the peak: ${rate} msg/s`)
      const paced = await measure(
        () => startMedallion({ dataDir: benchDataDir(workDir, 'paced', 'data'), synchronous: 'FULL', connections: 8 }),
        settings,
        rate,
      )
      out.push(
        `## Ack latency at 80% of the peak (${fmt(rate)} msg/s offered)`,
        '',
        `medallion-edge (FULL): ${fmt(paced.result.ackedPerS)} msg/s acked, p50 ${paced.result.ackP50Ms} ms, **p99 ${paced.result.ackP99Ms} ms** (target <= 50), RSS ${paced.peakRssMiB.toFixed(0)} MiB`,
        '',
      )

      // The second load shape: few anonymous connections, many devices (a test bench, a concentrator).
      const concentrator = { devices: 1000 }
      const shape2 = { ...settings, rounds: 2 }
      log(
        `ingest, concentrator shape: ${shape2.rounds} rounds x ${shape2.durationS} s, ${shape2.connections} anonymous connections for ${concentrator.devices} devices`,
      )
      const c = (await compareConcentrator(shape2, concentrator, log)).medians
      const cFull = c['medallion-edge (FULL)']!
      out.push(
        `## Ingest, concentrator: ${shape2.connections} anonymous connections publishing for ${fmt(concentrator.devices)} unregistered devices in turn (medians of ${shape2.rounds} alternating rounds)`,
        '',
        ...ingestTable(c),
        '',
        `- medallion-edge (FULL) / mosquitto: **${ratio(cFull.ackedPerS, c['mosquitto']!.ackedPerS)}x** (target >= 0.5)`,
        `- medallion-edge (FULL) / bare aedes: **${ratio(cFull.ackedPerS, c['bare aedes']!.ackedPerS)}x** (target >= 0.7)`,
        `- concentrator / one device per connection, medallion-edge (FULL): ${ratio(cFull.ackedPerS, full.ackedPerS)}x`,
        '',
      )
    }
    log(`ingest: ${((performance.now() - stageStarted) / 1000).toFixed(0)} s`)
  }
  if (wants('sustained')) out.push(...(await benchSustained(workDir, log)))

  // Not in the default run: it needs another build (BENCH_BASELINE=/path/to/checkout, built).
  if (stages.includes('ingest-ab')) {
    const baseline = process.env.BENCH_BASELINE
    if (!baseline) throw new Error('ingest-ab compares with another build: set BENCH_BASELINE to a checkout where `npm run build` has run')
    const settings = { workDir: join(workDir, 'ab'), rounds: Number(process.env.BENCH_ROUNDS ?? 5), durationS: 10, warmupS: 2, connections: 8, window: 100 }
    log(`ingest-ab: ${baseline} against this build, FULL, ${settings.rounds} alternating rounds x ${settings.durationS} s`)
    const { runs, medians: m } = await compareBuilds(settings, baseline, log)
    // Each round's two runs side by side: drift over the run (the disk, the host) hits both alike.
    const perRound = Array.from({ length: settings.rounds }, (_, i) => {
      const [a, b] = runs.slice(2 * i, 2 * i + 2)
      const [mine, base] = a!.target === 'this build' ? [a!, b!] : [b!, a!]
      return mine.result.ackedPerS / base.result.ackedPerS
    })
    out.push(
      `## Ingest, this build against ${baseline} (FULL, one registered device per connection, medians of ${settings.rounds} alternating rounds)`,
      '',
      ...ingestTable(m),
      '',
      `- this build / baseline, medians: **${ratio(m['this build']!.ackedPerS, m['baseline']!.ackedPerS)}x**; round by round: median **${median(perRound).toFixed(2)}x** (${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)})`,
      `- spread of each build's rounds: baseline ${spread(runs, 'baseline')}, this build ${spread(runs, 'this build')} msg/s`,
      '',
    )
  }

  if (wants('scale')) {
    const storedRows = Number(process.env.BENCH_STORED_ROWS ?? 10_000_000)
    const settings = { workDir: join(workDir, 'scale'), rounds: 3, durationS: 10, warmupS: 2, connections: 8, window: 100 }
    log(`scale: ingest with ${storedRows} rows stored vs an empty store`)
    const scale = await compareScale(settings, storedRows, log)
    out.push(
      `## Ingest with ${fmt(storedRows)} rows stored (medians of 3 alternating rounds)`,
      '',
      `empty store ${fmt(scale.emptyPerS)} msg/s, with ${fmt(storedRows)} rows ${fmt(scale.fullPerS)} msg/s: **${ratio(scale.fullPerS, scale.emptyPerS)}x** (target >= 0.8)`,
      '',
    )
  }

  if (wants('dedupe-index')) {
    const storedRows = Number(process.env.BENCH_STORED_ROWS ?? 10_000_000)
    log(`dedupe-index: SQLite inserts (groups of 400, FULL) into an empty table and one of ${storedRows} rows`)
    const results = compareDedupeIndexes(join(workDir, 'index'), storedRows, 300_000, log)
    out.push(
      '## Identity index: SQLite inserts of new sales (random UUID event ids, groups of 400, FULL)',
      '',
      '| index | empty table rows/s | rows/s with ' + fmt(storedRows) + ' stored | ratio |',
      '|---|---:|---:|---:|',
    )
    for (const design of new Set(results.map((r) => r.design))) {
      const empty = results.find((r) => r.design === design && r.storedRows === 0)!.rowsPerS
      const full = results.find((r) => r.design === design && r.storedRows > 0)!.rowsPerS
      out.push(`| ${design} | ${fmt(empty)} | ${fmt(full)} | ${ratio(full, empty)} |`)
    }
    out.push('')
  }

  if (wants('silver')) {
    const rows = Number(process.env.BENCH_SILVER_ROWS ?? 1_000_000)
    log(`silver: enrichment of ${rows} bronze rows`)
    const silver = await benchSilver(workDir, rows, 10_000, log)
    // BENCH_SILVER_STOCK=0: the store without stock only (a profile of silver's sales path alone).
    const stocked = process.env.BENCH_SILVER_STOCK === '0' ? undefined : await benchSilver(workDir, rows, 10_000, log, { withStock: true })
    out.push(
      '## Silver enrichment',
      '',
      `${fmt(silver.rows)} bronze sales, ${fmt(silver.products)} products, ${fmt(silver.customers)} customers (SCD2 point-in-time joins, store time zone, 4 expectations):`,
      '',
      `- silver: **${fmt(silver.silverRowsPerS)} rows/s**; plain SQLite insert of the same rows into the same table: ${fmt(silver.plainInsertRowsPerS)} rows/s: silver takes **${ratio(silver.plainInsertRowsPerS, silver.silverRowsPerS)}x** the plain insert's time a row (issue 24's target: <= 2)`,
      `- a late product fixing up ${fmt(silver.fixupSales)} sales: ${fmt(silver.fixupMs)} ms (import + re-enrichment, one transaction)`,
      ...(stocked
        ? [
            `- the same sales in a store whose stock is kept (a count before the first sale: every sale changes silver.inventory_on_hand): **${fmt(stocked.silverRowsPerS)} rows/s**, ${ratio(stocked.silverRowsPerS, silver.silverRowsPerS)}x the store without (plain insert in that run ${fmt(stocked.plainInsertRowsPerS)} rows/s: ${ratio(stocked.silverRowsPerS, stocked.plainInsertRowsPerS)}x)`,
          ]
        : []),
      '',
    )
  }

  if (wants('gold')) {
    const rows = Number(process.env.BENCH_GOLD_ROWS ?? 5_000_000)
    const daySales = (process.env.BENCH_GOLD_DAY_SALES ?? '10000,100000,1000000').split(',').map(Number)
    const soakS = Number(process.env.BENCH_GOLD_SOAK_S ?? 300)
    log(`gold: ${rows} sales; 10k new sales into a day of ${daySales.join(', ')}; totals soak ${soakS} s at 2000 msg/s`)
    const gold = await benchGold(workDir, { rows, daySales, soakS, soakRatePerS: 2000 }, log)
    const mib = (bytes: number): string => (bytes / 1048576).toFixed(1)
    const soak = gold.soak
    out.push(
      '## Gold',
      '',
      `${fmt(gold.rows)} sales over a year, one store:`,
      '',
      `- full rebuild: **${gold.rebuildS.toFixed(2)} s**; a plain GROUP BY with the dimension joins over the same rows: ${gold.plainGroupByS.toFixed(2)} s: **${ratio(gold.rebuildS, gold.plainGroupByS)}x** (target <= 1.0)` +
        (gold.rebuiltSales === gold.rows ? '' : ` **(not a full rebuild: gold counted ${fmt(gold.rebuiltSales)} of ${fmt(gold.rows)} sales after it)**`),
      `- gold from empty to caught up by incremental refreshes (as a first start on this history): ${gold.catchUpS.toFixed(2)} s`,
      `- incremental refresh after ${fmt(gold.incrementalSales)} new sales: **${gold.incrementalMs.toFixed(1)} ms** (target <= 100 ms whatever the history)` +
        (gold.incrementalComplete ? '' : ' **(gold did not count the new sales: no measurement)**'),
      `- ack p99 at ${fmt(gold.ackRate)} msg/s: ${gold.ackP99IdleMs} ms idle, **${gold.ackP99RebuildMs} ms during a gold rebuild** next to the daemon (target <= 50 ms)`,
      '',
      'Refresh after 10k new sales into a day of N sales (one store-day; new sales reach gold by their silver bronze_id, no day_changes; flat is the goal):',
      '',
      '| sales in the day | first refresh of the day ms | +10k, warm refresher ms | +10k, cold refresher ms | gold complete |',
      '|---:|---:|---:|---:|---|',
      ...gold.dayRefreshes.map(
        (d) =>
          `| ${fmt(d.daySales)} | ${d.initialMs.toFixed(1)} | **${d.warmMs.toFixed(1)}** | ${d.coldMs.toFixed(1)} | ${d.complete ? 'yes' : `**no**: ${d.mismatches.join('; ')}`} |`,
      ),
      '',
      `Warm: the same refresher and connection that did the day's first refresh (its statements, page cache and any in-memory state kept); cold: a new connection and refresher, as after a process start (after a second append, so its day holds 10k more).`,
      gold.dayRefreshes.length > 1
        ? `- warm refresh, largest day / smallest day: **${ratio(gold.dayRefreshes.at(-1)!.warmMs, gold.dayRefreshes[0]!.warmMs)}x** (flat = 1)`
        : '',
      '',
      `Totals freshness during a ${soak.seconds} s soak at ${fmt(soak.ratePerS)} sales/s (FULL daemon, empty data dir, one store-day; bronze's count from /metrics and the totals' sales count from GET /api/v1/totals every 500 ms):`,
      '',
      `- freshness (sample time minus when bronze first held a sale the totals do not count yet): p50 ${soak.freshnessP50S.toFixed(2)} s, **p99 ${soak.freshnessP99S.toFixed(2)} s**, max ${soak.freshnessMaxS.toFixed(2)} s over ${fmt(soak.samples)} samples (target <= 5 s)` +
        (soak.failedSamples > 0 ? `; ${soak.failedSamples} samples failed` : ''),
      `- ${fmt(soak.ackedPerS)} acked/s, ack p99 ${soak.ackP99Ms} ms; silver.db at most **${mib(soak.silverDbMaxBytes)} MiB**, silver.db-wal at most **${mib(soak.silverWalMaxBytes)} MiB**`,
      '',
    )
  }

  if (wants('snapshot')) {
    const sales = Number(process.env.BENCH_SNAPSHOT_SALES ?? 1_000_000)
    log(`snapshot: a year of gold from ${sales} sales, and 1M silver rows, against DuckDB COPY`)
    const s = await benchSnapshots(workDir, sales, log)
    const mib = (bytes: number): string => (bytes / 1048576).toFixed(2)
    out.push(
      '## Parquet snapshots vs DuckDB COPY (ZSTD), same rows, same run',
      '',
      '| what | ours s | ours MiB | DuckDB s | DuckDB MiB |',
      '|---|---:|---:|---:|---:|',
      `| a year of gold (${fmt(s.goldRows)} rows), one store: ${s.snapshots} store-day snapshots vs COPY partitioned the same way | ${s.oursS.toFixed(2)} | ${mib(s.oursBytes)} | ${s.duckPartitionedS.toFixed(2)} | ${mib(s.duckPartitionedBytes)} |`,
      `| the same rows, DuckDB writing one file per table | | | ${s.duckSingleS.toFixed(2)} | ${mib(s.duckSingleBytes)} |`,
      `| ${fmt(s.silverRows)} silver rows, one file | ${s.silverOursS.toFixed(2)} | ${mib(s.silverOursBytes)} | ${s.silverDuckS.toFixed(2)} | ${mib(s.silverDuckBytes)} |`,
      '',
    )
  }

  if (wants('dashboard')) {
    const sales = Number(process.env.BENCH_DASHBOARD_SALES ?? 1_000_000)
    log(`dashboard: the staff page's calls on a year of gold (${sales} sales) with live ingest, 100 event streams, page weight`)
    const d = await benchDashboard(workDir, sales, log)
    const worstP99 = Math.max(...d.endpoints.map((e) => e.p99Ms))
    const firstTotals = median(d.page.firstTotalsMs)
    out.push(
      '## Staff page',
      '',
      `A year of gold (${fmt(d.goldSales)} sales, one store); the fleet publishes ${fmt(d.ingestRate)} msg/s (QoS 1, 8 connections) while the page's`,
      `calls arrive at random, ${d.apiRatePerS} requests/s over all of them for ${d.apiSeconds} s (open loop: each timed from when it was due):`,
      '',
      '| call | requests | p50 ms | p99 ms | max ms | failed |',
      '|---|---:|---:|---:|---:|---:|',
      ...d.endpoints.map((e) => `| \`${e.path}\` | ${e.requests} | ${e.p50Ms} | ${e.p99Ms} | ${e.maxMs.toFixed(1)} | ${e.failures} |`),
      '',
      `- worst p99 of the page's calls: **${worstP99} ms** (target <= 20)`,
      `- ingest: ${fmt(d.ingestAlone.ackedPerS)} acked/s alone (ack p99 ${d.ingestAlone.ackP99Ms} ms), ${fmt(d.ingestWithApi.ackedPerS)} acked/s with the API load (ack p99 ${d.ingestWithApi.ackP99Ms} ms): **${ratio(d.ingestWithApi.ackedPerS, d.ingestAlone.ackedPerS)}x**`,
      `- ${d.streams.count} open event streams at ${d.streams.salesPerS} sale/s for ${d.streams.seconds} s: the daemon used ${d.streams.idleCorePct.toFixed(2)}% of a core without them, ${d.streams.withStreamsCorePct.toFixed(2)}% with them: **+${(d.streams.withStreamsCorePct - d.streams.idleCorePct).toFixed(2)}% of a core** (target < 5); ${d.streams.dayEventsPerStream.toFixed(1)} day events per stream`,
      `- page weight: ${d.page.files} files, **${(d.page.brotliBytes / 1024).toFixed(1)} KiB** as served (Brotli; ${(d.page.gzipBytes / 1024).toFixed(1)} KiB gzip) (target <= 100 KB)`,
      `- time to first totals in Chromium, cold cache, loopback: **${firstTotals.toFixed(0)} ms** median of ${d.page.firstTotalsMs.length} (${d.page.firstTotalsMs.map((ms) => ms.toFixed(0)).join(', ')}) (target <= 500)`,
      '',
    )
  }

  if (wants('sale-to-page')) {
    const sales = Number(process.env.BENCH_SALES ?? 200)
    const load = Number(process.env.BENCH_SALE_TO_PAGE_LOAD ?? 2000)
    log(
      `sale-to-page: ${sales} sales from one till (QoS 1, one every 100-250 ms), PUBACK to the staff page's total in Chromium; another store's tills send ${load} sales/s`,
    )
    const s = await benchSaleToPage(workDir, sales, load)
    out.push(
      '## Sale to page',
      '',
      `${s.sales} sales of 1.00 from one device at a nominal pace, each timed from its PUBACK to the moment the staff page's total (Chromium) counts it, while ${BACKGROUND_LABEL(s.backgroundPerS)}:`,
      `**p50 ${s.p50Ms.toFixed(0)} ms, p99 ${s.p99Ms.toFixed(0)} ms** (max ${s.maxMs.toFixed(0)} ms; issue 24's target: p99 <= 1,500 ms at 2,000 sales/s)`,
      '',
    )
  }

  if (wants('inventory')) {
    const sizes = (process.env.BENCH_INVENTORY_PRODUCTS ?? '2000,20000').split(',').map(Number)
    const days = Number(process.env.BENCH_INVENTORY_DAYS ?? 3)
    const touched = 100
    log(`inventory: stores of ${sizes.join(', ')} products, ${days} days of a count of every product, 2,000 receipts and 50,000 sales a day`)
    const runs = []
    for (const products of sizes) {
      runs.push(await benchInventoryRefresh(workDir, { products, receipts: 2000, sales: 50_000 }, { days, touched, rounds: 5 }, log))
    }
    const [small, large] = [runs[0]!, runs.at(-1)!]
    const rate = Number(process.env.BENCH_INVENTORY_RATE ?? 2000)
    log(
      `inventory: the daemon on the ${large.products}-product store, sales at ${rate} msg/s; /inventory/now back to back; shelves emptied on an open staff page`,
    )
    const daemon = await benchInventoryDaemon(large.dataDir, large.products, { ratePerS: rate, durationS: 30, shelves: 10 }, log)
    out.push(
      "## Inventory: gold's stock refresh against the size of the catalogue",
      '',
      `In process (the bronze store, silver enricher and gold refresher the threads run), ${days} days of history each with a count of every product, 2,000 receipts and 50,000 sales; then 5 rounds of each change, medians:`,
      '',
      `| products | events | silver catch-up s | gold catch-up s | step after ${touched} new sales (ms) | step after ${touched} late counts of yesterday (ms) | step after a change of yesterday, every product (ms) |`,
      '|---:|---:|---:|---:|---:|---:|---:|',
      ...runs.map(
        (r) =>
          `| ${fmt(r.products)} | ${fmt(r.events)} | ${r.silverS.toFixed(1)} | ${r.goldCatchUpS.toFixed(1)} | ${r.newSalesMs.toFixed(1)} | ${r.lateCountsMs.toFixed(1)} | ${r.wholeStoreMs.toFixed(1)} |`,
      ),
      '',
      `- ${fmt(large.products)} / ${fmt(small.products)} products (${ratio(large.products, small.products)}x the catalogue): step after new sales **${ratio(large.newSalesMs, small.newSalesMs)}x**, after late counts **${ratio(large.lateCountsMs, small.lateCountsMs)}x** (a step costs the products it touches: pages of their rows, which 100 products of 2,000 share and of 20,000 do not; O(catalogue) would be 10x), a whole-store change ${ratio(large.wholeStoreMs, small.wholeStoreMs)}x (O(products), as it must)`,
      '',
      `The daemon on the ${fmt(large.products)}-product store, sales from the load generator at ${fmt(rate)} msg/s for 30 s (acked ${fmt(daemon.ingest.ackedPerS)} msg/s, ack p99 ${daemon.ingest.ackP99Ms} ms):`,
      '',
      `- \`GET /api/v1/inventory/now\` back to back (its first page: 500 products, ${fmt(daemon.now.identity.bytes)} bytes): **p99 ${daemon.now.identity.p99Ms.toFixed(1)} ms** (p50 ${daemon.now.identity.p50Ms.toFixed(1)}, ${daemon.now.identity.requests} requests, target <= 20); asked with gzip as a browser does: p99 ${daemon.now.gzip.p99Ms.toFixed(1)} ms (p50 ${daemon.now.gzip.p50Ms.toFixed(1)}); \`GET /healthz\` in the same turns (the broker thread's own pauses under this load): p99 ${daemon.now.healthz.p99Ms.toFixed(1)} ms (p50 ${daemon.now.healthz.p50Ms.toFixed(1)})`,
      `- a sale that empties a shelf, PUBACK to the product in the staff page's "Out of stock" (Chromium), ${daemon.panelMs.length} shelves: **max ${Math.max(...daemon.panelMs).toFixed(0)} ms**, median ${median(daemon.panelMs).toFixed(0)} ms (target <= 5000)`,
      '',
    )
  }

  if (wants('idle')) {
    log('idle: resident memory at rest')
    const idle = await idleRss(workDir, log)
    const ours = idle.find((r) => r.name === 'medallion-edge')!.rssMiB
    out.push(
      '## Resident memory at rest (5 s after start, no clients)',
      '',
      '| process | RSS MiB |',
      '|---|---:|',
      ...idle.map((r) => `| ${r.name} | ${r.rssMiB.toFixed(0)} |`),
      '',
      `- medallion-edge idle: **${ours.toFixed(0)} MiB** (target for the whole daemon <= 150)`,
      '',
    )
  }

  if (wants('connect-storm')) {
    log('connect-storm: 500 devices connecting at once')
    const storm = await connectStorm(workDir, 500)
    out.push(
      '## Reconnect storm',
      '',
      `${storm.devices} devices with tokens connected in ${storm.seconds.toFixed(2)} s; broker CPU ${storm.brokerCpuMsPerConnect.toFixed(2)} ms per connect`,
      '',
    )
  }

  process.stdout.write(out.join('\n') + '\n')
} finally {
  rmSync(workDir, { recursive: true, force: true })
}
