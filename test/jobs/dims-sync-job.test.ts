import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DimsServer } from '../helpers/dims-server.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { CUSTOMERS_CSV, PRODUCTS_CSV, STORES_CSV } from '../helpers/silver-harness.js'

describe("the daemon's scheduled dims-sync job", () => {
  let server: DimsServer
  let gw: RunningGateway

  beforeAll(async () => {
    server = new DimsServer()
    await server.start()
    server.set('product', PRODUCTS_CSV, 'p1')
    server.set('customer', CUSTOMERS_CSV, 'c1')
    server.set('store', STORES_CSV, 's1')
    gw = await startGateway({ dims: { url: server.urlTemplate }, schedule: { dimsSync: '*/5 * * * *' } })
  })
  afterAll(async () => {
    await gw.stop()
    await server.stop()
  })

  it('is registered on its cron, runs on its own thread, and records its outcome', async () => {
    expect(gw.gateway.scheduler.status().find((job) => job.name === 'dims-sync')).toMatchObject({ cron: '*/5 * * * *' })
    await gw.gateway.scheduler.runNow('dims-sync')
    const db = new Database(join(gw.dataDir, 'silver.db'), { readonly: true })
    try {
      expect(db.prepare('SELECT count(*) FROM dim_product').pluck().get()).toBe(2)
      expect(db.prepare('SELECT count(*) FROM dim_store').pluck().get()).toBe(2)
    } finally {
      db.close()
    }
    expect(gw.gateway.scheduler.status().find((job) => job.name === 'dims-sync')!.last).toMatchObject({
      outcome: 'ok',
      summary: expect.stringContaining('"status":"updated"'),
    })

    server.fail('customer', 'status-403')
    server.set('customer', CUSTOMERS_CSV + '1003,Alan Turing,East\n', 'c2')
    await gw.gateway.scheduler.runNow('dims-sync')
    expect(gw.gateway.scheduler.status().find((job) => job.name === 'dims-sync')!.last).toMatchObject({
      outcome: 'failed',
      summary: expect.stringMatching(/customer: .*HTTP 403/),
    })
  })
})
