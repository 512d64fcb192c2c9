import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, topicOf } from '../helpers/sales.js'
import { CUSTOMERS_CSV, PRODUCTS_CSV, STORES_CSV } from '../helpers/silver-harness.js'
import { runCli } from '../helpers/cli.js'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeDaemonConfig } from '../helpers/daemon.js'
import { openMigrated } from '../../src/schemas.js'
import { SILVER_LAYERS } from '../../src/silver/open-silver.js'

describe('the seed example flows from MQTT to silver.sales_enriched', () => {
  let gw: RunningGateway
  let device: IssuedDevice

  beforeAll(async () => {
    gw = await startGateway()
    device = gw.addDevice('abc123')
    // Dimensions loaded with the CLI, next to the running daemon, as an operator would.
    const config = writeDaemonConfig(gw.dataDir, gw.dataDir)
    for (const [dimension, csv] of [
      ['product', PRODUCTS_CSV],
      ['customer', CUSTOMERS_CSV],
      ['store', STORES_CSV],
    ] as const) {
      const file = join(gw.dataDir, `${dimension}.csv`)
      writeFileSync(file, csv)
      const result = await runCli(['dims', 'import', dimension, file, '--config', config])
      expect(result.stderr).toBe('')
    }
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('device abc123, product 101 at 15.5, store_001, customer 1001', async () => {
    const client = await connectDevice(gw.url, device)
    // 23:30 in New York on 1 May: a 1 May sale, although it is 2 May in UTC.
    const sale = { device_id: 'abc123', timestamp: '2025-05-01T23:30:00-04:00', product_id: 101, price: 15.5, store_id: 'store_001', customer_id: 1001 }
    await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 1 })
    await client.endAsync()
    const db = openMigrated(gw.dataDir, { attach: SILVER_LAYERS })
    try {
      await expect.poll(() => db.prepare('SELECT count(*) FROM silver.sales_enriched').pluck().get(), { timeout: 30_000 }).toBe(1)
      expect(db.prepare('SELECT * FROM silver.sales_enriched').get()).toMatchObject({
        device_id: 'abc123',
        store_id: 'store_001',
        product_id: 101,
        product_name: 'Espresso',
        category: 'Beverages',
        customer_id: 1001,
        customer_name: 'Ada Lovelace',
        region: 'North',
        price: 15.5,
        price_minor: 1550,
        quantity: 1,
        amount_minor: 1550,
        sale_ts: '2025-05-02T03:30:00.000Z',
        sale_date: '2025-05-01',
        sale_hour: 23,
        timezone: 'America/New_York',
        unknown_product: 0,
        unknown_customer: 0,
        unknown_store: 0,
      })
    } finally {
      db.close()
    }
  })
})
