import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventReader } from '../helpers/sse.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'

/** The hub's poll of gold's refresh log, far longer than the test: a `day` event can only come from gold's push. */
const POLL_NEVER_MS = 600_000

describe("live push: gold's refresh reaches an open staff stream without the poll", () => {
  let gw: RunningGateway

  beforeAll(async () => {
    gw = await startGateway({ storeId: 'store_push' }, { live: { pollMs: POLL_NEVER_MS, healthMs: POLL_NEVER_MS, pingMs: POLL_NEVER_MS } })
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('a sale published over MQTT arrives as a day event on /api/v1/events', async () => {
    const events = await new Promise<EventReader>((resolve, reject) => {
      const req = request(`http://127.0.0.1:${gw.addresses.http.port}/api/v1/events`, (response) => {
        expect(response.statusCode).toBe(200)
        resolve(new EventReader(response))
      })
      req.once('error', reject)
      req.end()
    })
    const first = (await events.next('day')).data as { totals: { sales_count: number } }
    expect(first.totals.sales_count).toBe(0)

    const till = gw.addDevice('till-1', 'store_push')
    const client = await connectDevice(gw.url, till)
    // Today (the store's wall clock), a minute ago: the sale is in today's view.
    const sale = seedSale({ device_id: 'till-1', store_id: 'store_push', timestamp: new Date(Date.now() - 60_000).toISOString(), price: 2.5 })
    await client.publishAsync(topicOf(till), JSON.stringify(sale), { qos: 1 })
    await client.endAsync()

    // Generous: CI is a loaded 2-core machine. The poll never comes round in this time.
    for (;;) {
      const day = (await events.next('day', 30_000)).data as { totals: { sales_count: number } }
      if (day.totals.sales_count === 1) break
    }
  })
})
