import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { runFleet, type FleetSummary } from '../../src/simulate/fleet.js'
import { seededRandom } from '../../src/simulate/random.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, topicOf } from '../helpers/sales.js'

describe('freshness: an acked sale is in the staff totals within 5 s at nominal load', () => {
  let gw: RunningGateway
  let marker: IssuedDevice
  let load: Promise<FleetSummary>

  beforeAll(async () => {
    gw = await startGateway({ storeId: 'store_fresh' })
    marker = gw.addDevice('till-1', 'store_fresh')
    // Nominal load elsewhere: 200 devices of another store, 300 sales a second.
    const devices = Array.from({ length: 200 }, (_, i) => gw.addDevice(`load-${i}`, 'store_load'))
    load = runFleet({
      url: gw.url,
      devices: devices.map((d) => ({ deviceId: d.deviceId, storeId: d.storeId, token: d.token })),
      ratePerSecond: 300,
      durationS: 12,
      qos: 1,
      duplicateFraction: 0.02,
      badFraction: 0.01,
      batchSize: 1,
      minorUnitDigits: 2,
      random: seededRandom(1),
    })
  })
  afterAll(async () => {
    await load
    await gw.stop()
  })

  it('measured from the PUBACK to the totals API (real broker, real client, real HTTP)', async () => {
    const client = await connectDevice(gw.url, marker)
    const totalsUrl = `http://127.0.0.1:${gw.addresses.http.port}/api/v1/totals?date=2025-05-01`
    const delays: number[] = []
    await new Promise((resolve) => setTimeout(resolve, 1000)) // the load is running
    for (let i = 1; i <= 5; i++) {
      const sale = {
        event_id: randomUUID(),
        device_id: 'till-1',
        store_id: 'store_fresh',
        timestamp: '2025-05-01T12:00:00Z',
        product_id: 101,
        price: 1,
        quantity: 1,
      }
      await client.publishAsync(topicOf(marker), JSON.stringify(sale), { qos: 1 })
      const acked = performance.now()
      for (;;) {
        const totals = (await (await fetch(totalsUrl)).json()) as { sales_count: number; as_of: string | null }
        if (totals.sales_count === i) break
        if (performance.now() - acked > 10_000) throw new Error(`sale ${i} not in the totals after 10 s`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      delays.push(performance.now() - acked)
    }
    await client.endAsync()
    const summary = await load
    expect(summary.acked).toBeGreaterThan(3000) // the load really ran
    expect(Math.max(...delays)).toBeLessThan(5000)
  })
})
