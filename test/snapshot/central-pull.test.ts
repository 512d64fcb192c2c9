import { DuckDBInstance } from '@duckdb/node-api'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { pullSnapshots } from '../../src/snapshot/pull-lake.js'
import { openGoldDatabase } from '../../src/gold/open-gold.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'

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
    const db = openGoldDatabase(gw.dataDir)
    try {
      return db.prepare('SELECT sum(total_amount) FROM gold.kpi_daily_orders').pluck().get() as number
    } finally {
      db.close()
    }
  }
  const lakeTotal = async (): Promise<number> => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const row = (await duck.runAndReadAll(`SELECT sum(total_amount)::DOUBLE AS cents FROM read_parquet('${lake.path}/kpi_daily_orders/**/*.parquet', hive_partitioning = true)`)).getRowObjects()[0]!
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
    await publish([
      seedSale({ timestamp: '2025-05-01T10:00:00Z', price: 15.5 }),
      seedSale({ timestamp: '2025-05-02T10:00:00Z', price: 3.9, quantity: 2 }),
    ])
    await waitFor(() => goldTotal() === 1550 + 780)
  })
  afterAll(async () => {
    await gw.stop()
    lake.remove()
  })

  it('pulls every snapshot, verifies it, and DuckDB reads the lake as gold', async () => {
    await gw.gateway.scheduler.runNow('snapshot')
    const summary = await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })
    expect(summary).toMatchObject({ snapshots: 2, files: 8 })
    expect(await lakeTotal()).toBe(goldTotal())
    expect(await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })).toMatchObject({ snapshots: 0 }) // idempotent
  })

  it('a late sale for a shipped day: a superseding snapshot, one current file per partition, totals still equal', async () => {
    await publish([seedSale({ timestamp: '2025-05-01T21:00:00Z', price: 1 })])
    await expect.poll(goldTotal, { timeout: 10_000 }).toBe(1550 + 780 + 100)
    await gw.gateway.scheduler.runNow('snapshot')
    const summary = await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })
    expect(summary).toMatchObject({ snapshots: 1, files: 4, superseded: 4 })
    expect(partsPerPartition().every((count) => count === 1)).toBe(true)
    expect(await lakeTotal()).toBe(goldTotal())
  })

  it('serves only files a manifest names, and only to central', async () => {
    const listing = await (await fetch(`${base}/api/v1/snapshots`, { headers: { authorization: `Bearer ${CENTRAL}` } })).json() as { snapshots: { snapshot_id: string }[] }
    const id = listing.snapshots[0]!.snapshot_id
    for (const path of ['../../gateway.db', '..%2F..%2Fgateway.db', 'manifest.json', '%2e%2e/%2e%2e/bronze.db']) {
      const response = await fetch(`${base}/api/v1/snapshots/${id}/files/${path}`, { headers: { authorization: `Bearer ${CENTRAL}` } })
      expect([path, response.status]).toEqual([path, 404])
    }
    expect((await fetch(`${base}/api/v1/snapshots`)).status).toBe(401)
    expect((await fetch(`${base}/api/v1/snapshots`, { headers: { authorization: 'Bearer staff-token-nope-000' } })).status).toBe(401)
  })
})
