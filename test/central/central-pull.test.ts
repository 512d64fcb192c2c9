import { DuckDBInstance } from '@duckdb/node-api'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request, createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { pullSnapshots } from '../../src/central/pull-lake.js'
import { enforceDiskBound } from '../../src/delivery/disk-bound.js'
import { runCli } from '../helpers/cli.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { SHIPPED_TABLE_NAMES } from '../../src/gold/gold-tables.js'
import { openMigrated } from '../../src/schemas.js'

const CENTRAL = 'central-token-0123456789'

async function waitFor(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('central pulls gold snapshots into a lake, late data included', () => {
  let gw: RunningGateway
  let device: IssuedDevice
  const lake = makeTempDir('medallion-lake-')
  let base = ''

  const publish = async (sales: Record<string, unknown>[]): Promise<void> => {
    const client = await connectDevice(gw.url, device)
    for (const sale of sales) await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 1 })
    await client.endAsync()
  }
  const goldTotal = (): number => {
    const db = openMigrated(gw.dataDir)
    try {
      return db.prepare('SELECT sum(total_amount) FROM gold.kpi_daily_orders').pluck().get() as number
    } finally {
      db.close()
    }
  }
  const lakeTotal = async (): Promise<number> => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const row = (
      await duck.runAndReadAll(
        `SELECT sum(total_amount)::DOUBLE AS cents FROM read_parquet('${lake.path}/kpi_daily_orders/**/*.parquet', hive_partitioning = true)`,
      )
    ).getRowObjects()[0]!
    return row.cents as number
  }
  const partsPerPartition = (): number[] => {
    const counts: number[] = []
    for (const table of ['fact_daily_sales', 'kpi_daily_orders']) {
      for (const date of readdirSync(join(lake.path, table))) {
        for (const store of readdirSync(join(lake.path, table, date))) counts.push(readdirSync(join(lake.path, table, date, store)).length)
      }
    }
    return counts
  }

  beforeAll(async () => {
    gw = await startGateway({ http: { tokens: { central: CENTRAL } } })
    device = gw.addDevice('abc123')
    base = `http://127.0.0.1:${gw.addresses.http.port}`
    await publish([seedSale({ timestamp: '2025-05-01T10:00:00Z', price: 15.5 }), seedSale({ timestamp: '2025-05-02T10:00:00Z', price: 3.9, quantity: 2 })])
    await waitFor(() => goldTotal() === 1550 + 780)
  })
  afterAll(async () => {
    await gw.stop()
    lake.remove()
  })

  it('pulls every snapshot, verifies it, and DuckDB reads the lake as gold', async () => {
    await gw.gateway.scheduler.runNow('snapshot')
    const summary = await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })
    expect(summary).toMatchObject({ snapshots: 2, files: 2 * SHIPPED_TABLE_NAMES.length })
    expect(await lakeTotal()).toBe(goldTotal())
    expect(await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })).toMatchObject({ snapshots: 0 }) // idempotent
  })

  it('a late sale for a shipped day: a superseding snapshot, one current file per partition, totals still equal', async () => {
    await publish([seedSale({ timestamp: '2025-05-01T21:00:00Z', price: 1 })])
    await expect.poll(goldTotal, { timeout: 30_000 }).toBe(1550 + 780 + 100)
    await gw.gateway.scheduler.runNow('snapshot')
    const summary = await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })
    expect(summary).toMatchObject({ snapshots: 1, files: SHIPPED_TABLE_NAMES.length, superseded: SHIPPED_TABLE_NAMES.length })
    expect(partsPerPartition().every((count) => count === 1)).toBe(true)
    expect(await lakeTotal()).toBe(goldTotal())
  })

  it('a gateway whose data directory was replaced is pulled from its start', async () => {
    const fresh = await startGateway({ http: { tokens: { central: CENTRAL } } })
    const behind = { port: gw.addresses.http.port }
    // One address for both: the box behind it is swapped, as when a gateway is reinstalled.
    const proxy: Server = createServer((incoming, outgoing) => {
      const forwarded = request({ host: '127.0.0.1', port: behind.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
        outgoing.writeHead(answer.statusCode!, answer.headers)
        answer.pipe(outgoing)
      })
      incoming.pipe(forwarded)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    const into = makeTempDir('medallion-lake-')
    try {
      expect((await pullSnapshots({ from: url, token: CENTRAL, into: into.path })).cursor).toBeGreaterThan(1)
      const device2 = fresh.addDevice('abc123')
      const client = await connectDevice(fresh.url, device2)
      await client.publishAsync(topicOf(device2), JSON.stringify(seedSale({ timestamp: '2025-06-01T10:00:00Z', price: 7 })), { qos: 1 })
      await client.endAsync()
      const freshDb = openMigrated(fresh.dataDir)
      await expect.poll(() => freshDb.prepare('SELECT count(*) FROM gold.kpi_daily_orders').pluck().get(), { timeout: 30_000 }).toBe(1)
      freshDb.close()
      await fresh.gateway.scheduler.runNow('snapshot')
      behind.port = fresh.addresses.http.port
      const resets: string[] = []
      const summary = await pullSnapshots({ from: url, token: CENTRAL, into: into.path, onReset: (reason) => resets.push(reason) })
      expect(resets).toEqual([expect.stringMatching(/data directory changed/)])
      expect(summary).toMatchObject({ snapshots: 1, cursor: 1 })
      expect(existsSync(join(into.path, 'kpi_daily_orders', 'sale_date=2025-06-01'))).toBe(true)
    } finally {
      proxy.close()
      into.remove()
      await fresh.stop()
    }
  })

  it('the pull command pulls every gateway it can and exits non-zero naming the one it could not', async () => {
    const into = makeTempDir('medallion-lake-')
    try {
      const result = await runCli(['pull', '--from', 'http://127.0.0.1:9', '--from', base, '--token', CENTRAL, '--into', into.path])
      expect(result.code).not.toBe(0)
      expect(result.stdout).toMatch(new RegExp(`${base.replaceAll('.', '\\.')}: \\d+ snapshots`))
      expect(result.stdout).toContain('http://127.0.0.1:9: FAILED')
      expect(result.stderr).toMatch(/1 of 2 gateways could not be pulled: http:\/\/127\.0\.0\.1:9/)
      expect(readdirSync(join(into.path, 'kpi_daily_orders')).length).toBeGreaterThan(0)
    } finally {
      into.remove()
    }
  })

  it('pull --config: gateways and lake from the config, the token from the environment (not the command line); each missing one named', async () => {
    const into = makeTempDir('medallion-lake-')
    try {
      const config = join(into.path, 'central.json')
      writeFileSync(config, JSON.stringify({ pull: { from: [base], into: join(into.path, 'lake') } }))
      const pulled = await runCli(['pull', '--config', config], { MEDALLION_EDGE_CENTRAL_TOKEN: CENTRAL })
      expect([pulled.code, pulled.stderr]).toEqual([0, ''])
      expect(pulled.stdout).toMatch(new RegExp(`^${base.replaceAll('.', '\\.')}: \\d+ snapshots`))
      expect(readdirSync(join(into.path, 'lake', 'kpi_daily_orders')).length).toBeGreaterThan(0)
      const noToken = await runCli(['pull', '--config', config], { MEDALLION_EDGE_CENTRAL_TOKEN: '' })
      expect([noToken.code, noToken.stderr]).toEqual([
        2,
        `medallion-edge: no central token: set MEDALLION_EDGE_CENTRAL_TOKEN, or pull.token in ${config} (or --token)\n`,
      ])
      // Without --config (nor MEDALLION_EDGE_CENTRAL_TOKEN): the shipped demo config is not the place to name.
      const noConfig = await runCli(['pull', '--from', base, '--into', join(into.path, 'lake')], {
        MEDALLION_EDGE_CENTRAL_TOKEN: '',
        MEDALLION_EDGE_CONFIG: '',
      })
      expect([noConfig.code, noConfig.stderr]).toEqual([
        2,
        'medallion-edge: no central token: set MEDALLION_EDGE_CENTRAL_TOKEN, or pull.token in a config file of your own (--config FILE) (or --token)\n',
      ])
      writeFileSync(config, JSON.stringify({ pull: { token: CENTRAL } }))
      const noGateway = await runCli(['pull', '--config', config])
      expect([noGateway.code, noGateway.stderr]).toEqual([2, `medallion-edge: no gateway to pull from: give --from URL, or pull.from in ${config}\n`])
      writeFileSync(config, JSON.stringify({ pull: { from: ['not a url'], token: 'short' } }))
      const bad = await runCli(['pull', '--config', config])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(/pull\.from\.0: .*; pull\.token: /)
    } finally {
      into.remove()
    }
  })

  it('frees only what central acknowledged or what is superseded; the puller skips a superseded snapshot already freed', async () => {
    await publish([seedSale({ timestamp: '2025-05-01T21:30:00Z', price: 2 })])
    await expect.poll(goldTotal, { timeout: 30_000 }).toBe(1550 + 780 + 100 + 200)
    await gw.gateway.scheduler.runNow('snapshot') // v3 of 1 May, not pulled
    await publish([seedSale({ timestamp: '2025-05-01T21:40:00Z', price: 3 })])
    await expect.poll(goldTotal, { timeout: 30_000 }).toBe(1550 + 780 + 100 + 200 + 300)
    await gw.gateway.scheduler.runNow('snapshot') // v4, not pulled
    const db = openMigrated(gw.dataDir)
    const dir = join(gw.dataDir, 'snapshots')
    try {
      // A bound of one byte: all that central has, and the superseded v3, go; the undelivered v4 stays.
      expect(enforceDiskBound(db, dir, 1, 'pull')).toMatchObject({ full: true })
      expect(db.prepare('SELECT snapshot_id FROM snapshots WHERE on_disk = 1').pluck().all()).toEqual(['store_001-2025-05-01-v4'])
      const summary = await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })
      expect(summary).toMatchObject({ snapshots: 1, skipped: 1, files: SHIPPED_TABLE_NAMES.length })
      expect(await lakeTotal()).toBe(goldTotal())
      expect(partsPerPartition().every((count) => count === 1)).toBe(true)
      // The puller's next listing acknowledged v4: now it may go too.
      expect(enforceDiskBound(db, dir, 1, 'pull')).toMatchObject({ full: false, bytes: 0 })
      expect(existsSync(join(dir, 'store_001-2025-05-01-v4'))).toBe(false)
      // A second puller behind the first finds current snapshots gone: reported, never silent.
      const late = makeTempDir('medallion-lake-')
      try {
        expect(await pullSnapshots({ from: base, token: CENTRAL, into: late.path })).toMatchObject({
          snapshots: 0,
          skipped: 3,
          missed: ['store_001-2025-05-02-v1', 'store_001-2025-05-01-v4'],
        })
      } finally {
        late.remove()
      }
    } finally {
      db.close()
    }
  })

  it("a file damaged on the gateway's disk: the puller reports it, the next snapshot run makes the day again, the puller gets it", async () => {
    await publish([seedSale({ timestamp: '2025-05-03T10:00:00Z', price: 9 })])
    await expect.poll(goldTotal, { timeout: 30_000 }).toBe(1550 + 780 + 100 + 200 + 300 + 900)
    await gw.gateway.scheduler.runNow('snapshot')
    const dir = join(gw.dataDir, 'snapshots', 'store_001-2025-05-03-v1')
    const path = join(dir, 'kpi_daily_orders/sale_date=2025-05-03/store_id=store_001/part-store_001-2025-05-03-v1.parquet')
    const bytes = readFileSync(path)
    bytes[8]! ^= 0xff
    writeFileSync(path, bytes)
    expect(await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })).toMatchObject({ snapshots: 0, missed: ['store_001-2025-05-03-v1'] })
    // The damaged file is the last: the ones before it were staged, never landed.
    const landed = SHIPPED_TABLE_NAMES.flatMap((table) =>
      existsSync(join(lake.path, table, 'sale_date=2025-05-03', 'store_id=store_001'))
        ? readdirSync(join(lake.path, table, 'sale_date=2025-05-03', 'store_id=store_001'))
        : [],
    )
    expect(landed).toEqual([])
    await gw.gateway.scheduler.runNow('snapshot')
    expect(await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })).toMatchObject({ snapshots: 1, missed: [] })
    expect(existsSync(join(lake.path, '_manifests', 'store_001-2025-05-03-v2.json'))).toBe(true)
    expect(await lakeTotal()).toBe(goldTotal())
  })

  it("a cursor beyond the gateway's last seq (gateway.db restored from a backup) starts over", async () => {
    const stateDir = join(lake.path, '_pull')
    const [stateFile] = readdirSync(stateDir).filter((name) => name.endsWith('.json'))
    const state = JSON.parse(readFileSync(join(stateDir, stateFile!), 'utf8')) as { after: number; gateway_id: string }
    writeFileSync(join(stateDir, stateFile!), JSON.stringify({ ...state, after: state.after + 1000 }))
    const resets: string[] = []
    const summary = await pullSnapshots({ from: base, token: CENTRAL, into: lake.path, onReset: (reason) => resets.push(reason) })
    expect(resets).toEqual([expect.stringMatching(/last seq \d+ is behind the cursor \d+/)])
    expect(summary.cursor).toBe(state.after)
    expect(await lakeTotal()).toBe(goldTotal())
  })

  it('serves only files a manifest names, and only to central', async () => {
    const listing = (await (await fetch(`${base}/api/v1/snapshots`, { headers: { authorization: `Bearer ${CENTRAL}` } })).json()) as {
      snapshots: { snapshot_id: string }[]
    }
    const id = listing.snapshots[0]!.snapshot_id
    for (const path of ['../../gateway.db', '..%2F..%2Fgateway.db', 'manifest.json', '%2e%2e/%2e%2e/bronze.db']) {
      const response = await fetch(`${base}/api/v1/snapshots/${id}/files/${path}`, { headers: { authorization: `Bearer ${CENTRAL}` } })
      expect([path, response.status]).toEqual([path, 404])
    }
    // fetch() normalises '..' away; a raw request sends it as written.
    for (const path of [`/api/v1/snapshots/${id}/files/../../../gateway.db`, `/api/v1/snapshots/../../gateway.db`]) {
      const status = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port: gw.addresses.http.port, path, headers: { authorization: `Bearer ${CENTRAL}` } }, (answer) => {
          answer.resume()
          resolve(answer.statusCode!)
        })
          .on('error', reject)
          .end()
      })
      expect([path, status]).toEqual([path, 404])
    }
    expect((await fetch(`${base}/api/v1/snapshots`)).status).toBe(401)
    expect((await fetch(`${base}/api/v1/snapshots`, { headers: { authorization: 'Bearer staff-token-nope-000' } })).status).toBe(401)
  })
})
