import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { eventTopic } from '../../src/contract/device-topic.js'
import { shiftedClock } from '../helpers/fake-clock.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'

const run = promisify(execFile)
const CENTRAL = 'central-token-of-the-test-0123456789'

interface StockNow {
  store_id: string
  date: string
  as_of: string | null
  products: { product_id: number; on_hand: number; known: boolean; uncounted: boolean; out: boolean; low: boolean; days_of_cover: number | null }[]
  next_after: number | null
}

/**
 * Stock over real MQTT (issue 23): a handheld's counts and receipts from mqtt.js, an adjustment
 * from Debian's mosquitto_pub, sales from a till; GET /api/v1/inventory/now and the day's rows,
 * live and after a restart.
 */
describe('GET /api/v1/inventory/now and /api/v1/inventory (inventory events and sales through the gateway)', () => {
  let gw: RunningGateway | undefined
  afterAll(async () => gw?.stop())

  it("each product's stock now, out and low flagged; the day's rows; the same after a restart", async () => {
    // Wednesday 4 March 2026, 18:00 in New York.
    gw = await startGateway(
      { timezone: 'America/New_York', http: { host: '127.0.0.1', port: 0, tokens: { central: CENTRAL } } },
      { clock: shiftedClock(Date.parse('2026-03-04T18:00:00-05:00')) },
    )
    const scanner = gw.addDevice('scanner-1')
    const till = gw.addDevice('till-1')
    const at = (time: string): string => `2026-03-04T${time}-05:00`
    const inventory = (event: Record<string, unknown>): string => JSON.stringify({ device_id: scanner.deviceId, store_id: scanner.storeId, ...event })
    const handheld = await connectDevice(gw.url, scanner)
    await handheld.publishAsync(
      eventTopic(scanner, 'inventory'),
      JSON.stringify([
        { device_id: 'scanner-1', store_id: 'store_001', event_id: 'c101', timestamp: at('08:00:00'), product_id: 101, type: 'count', quantity: 20 },
        { device_id: 'scanner-1', store_id: 'store_001', event_id: 'c102', timestamp: at('08:00:00'), product_id: 102, type: 'count', quantity: 5 },
      ]),
      { qos: 1 },
    )
    await handheld.publishAsync(
      eventTopic(scanner, 'inventory'),
      inventory({ event_id: 'r103', timestamp: at('09:00:00'), product_id: 103, type: 'receipt', quantity: 2 }),
      { qos: 1 },
    )
    // The scanner may not publish another device's inventory: the connection is closed.
    const refused = new Promise<void>((resolve) => handheld.once('close', () => resolve()))
    handheld.publish(eventTopic(till, 'inventory'), inventory({ timestamp: at('09:30:00'), product_id: 101, type: 'count', quantity: 1 }), { qos: 1 })
    await refused
    handheld.end(true)
    await run('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', String(gw.port), '-V', 'mqttv311', '-u', scanner.deviceId, '-P', scanner.token, '-i', scanner.deviceId, '-q', '1'],
      ...[
        '-t',
        eventTopic(scanner, 'inventory'),
        '-m',
        inventory({ event_id: 'a101', timestamp: at('10:00:00'), product_id: 101, type: 'adjustment', quantity: -2, reason: 'damaged' }),
      ],
    ])
    const tillClient = await connectDevice(gw.url, till)
    const sell = (eventId: string, time: string, product: number, quantity: number): Promise<unknown> =>
      tillClient.publishAsync(
        topicOf(till),
        JSON.stringify(seedSale({ event_id: eventId, device_id: till.deviceId, timestamp: at(time), product_id: product, quantity })),
        { qos: 1 },
      )
    await sell('s1', '11:00:00', 101, 4) // 20 - 2 - 4 = 14 Espresso
    await sell('s2', '12:00:00', 103, 2) // the 2 received: none left
    await sell('s3', '13:00:00', 102, 4) // 1 left of 5: 1.75 days of cover, under inventory.lowDays (2)
    await sell('s4', '14:00:00', 104, 1) // never counted nor received: stock not known
    await tillClient.endAsync()

    const now = async (query = ''): Promise<StockNow> => (await gw!.gateway.http.inject(`/api/v1/inventory/now${query}`)).json() as StockNow
    await expect.poll(async () => (await now()).products.length, { timeout: 30_000 }).toBe(4)
    const expected = [
      { product_id: 101, on_hand: 14, known: true, out: false, low: false, days_of_cover: 14 / (4 / 7) },
      { product_id: 102, on_hand: 1, known: true, out: false, low: true, days_of_cover: 1 / (4 / 7) },
      { product_id: 103, on_hand: 0, known: true, out: true, low: false },
      { product_id: 104, on_hand: -1, known: false, uncounted: true, out: false, low: false, days_of_cover: null },
    ]
    const live = await now()
    expect(live).toMatchObject({ store_id: 'store_001', date: '2026-03-04', products: expected, next_after: null })
    // In pages by product id, and filtered: what is out, what is running low.
    expect(await now('?limit=2')).toMatchObject({ products: expected.slice(0, 2), next_after: 102 })
    expect(await now('?limit=2&after=102')).toMatchObject({ products: expected.slice(2), next_after: 104 })
    expect(await now('?limit=2&after=104')).toMatchObject({ products: [], next_after: null })
    expect((await now('?status=out')).products.map((p) => p.product_id)).toEqual([103])
    expect((await now('?status=low')).products.map((p) => p.product_id)).toEqual([102])
    expect((await gw.gateway.http.inject('/api/v1/inventory/now?limit=5001')).statusCode).toBe(400)
    const outOfDay = (await gw.gateway.http.inject('/api/v1/inventory?date=2026-03-04&status=out')).json() as { rows: { product_id: number }[] }
    expect(outOfDay.rows.map((row) => row.product_id)).toEqual([103])
    const day = (await gw.gateway.http.inject('/api/v1/inventory?date=2026-03-04')).json() as { rows: Record<string, unknown>[] }
    expect(day.rows.find((row) => row.product_id === 101)).toMatchObject({
      opening_units: 0,
      adjusted_units: -2,
      sold_units: 4,
      shrink_units: 0, // the first count: nothing was expected
      closing_units: 14,
      counted: 1,
      last_count_at: new Date(at('08:00:00')).toISOString(),
    })
    // The metrics: events by type and outcome (a resent count, a refused type, a refused receipt), products out and low.
    const again = await connectDevice(gw.url, scanner)
    await again.publishAsync(
      eventTopic(scanner, 'inventory'),
      JSON.stringify([
        { device_id: 'scanner-1', store_id: 'store_001', event_id: 'c101', timestamp: at('08:00:00'), product_id: 101, type: 'count', quantity: 20 },
        { device_id: 'scanner-1', store_id: 'store_001', event_id: 'x1', timestamp: at('15:00:00'), product_id: 101, type: 'recount', quantity: 3 },
        { device_id: 'scanner-1', store_id: 'store_001', event_id: 'x2', timestamp: at('15:00:00'), product_id: 101, type: 'receipt', quantity: 0 },
      ]),
      { qos: 1 },
    )
    await again.endAsync()
    const metrics = (await gw.gateway.http.inject({ url: '/metrics', headers: { authorization: `Bearer ${CENTRAL}` } })).body
    for (const line of [
      'medallion_inventory_events_total{type="count",outcome="accepted"} 2',
      'medallion_inventory_events_total{type="receipt",outcome="accepted"} 1',
      'medallion_inventory_events_total{type="adjustment",outcome="accepted"} 1',
      'medallion_inventory_events_total{type="count",outcome="duplicate"} 1',
      'medallion_inventory_events_total{type="invalid",outcome="rejected"} 1',
      'medallion_inventory_events_total{type="receipt",outcome="rejected"} 1',
      'medallion_inventory_products_out_of_stock{store_id="store_001"} 1',
      'medallion_inventory_products_low{store_id="store_001"} 1',
    ])
      expect(metrics).toContain(line)
    await gw.restart()
    expect(await now()).toMatchObject({ products: expected })
    expect((await gw.gateway.http.inject('/api/v1/inventory?date=2026-03-04')).json()).toEqual({ ...day, as_of: expect.any(String) })
  })
})
