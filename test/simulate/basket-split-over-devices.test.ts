import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runFleet, type FleetSummary } from '../../src/simulate/fleet.js'
import { seededRandom } from '../../src/simulate/random.js'
import type { RawSaleRow } from '../helpers/bronze-db.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { openMigrated } from '../../src/schemas.js'

// Issue 20: the fleet spread one basket's lines over different devices, and gold counts an order
// per (device_id, order_id) (docs/gold.md), so the demo's orders were its lines and "Average
// order" the average line. A simulated till now sends whole baskets.
describe('simulate: each till sends whole baskets, so gold counts a basket as one order', () => {
  let gw: RunningGateway
  let summary: FleetSummary
  let sales: RawSaleRow[]
  const gold = <T>(sql: string): T => {
    const db = openMigrated(gw.dataDir)
    try {
      return db.prepare(sql).get() as T
    } finally {
      db.close()
    }
  }

  beforeAll(async () => {
    gw = await startGateway()
    // More tills than a basket has lines (1-4): a basket dealt out one line per till would never
    // put two of its lines on one device.
    const devices = Array.from({ length: 5 }, (_, i) => gw.addDevice(`till-${i + 1}`))
    summary = await runFleet({
      url: gw.url,
      devices: devices.map((d) => ({ deviceId: d.deviceId, storeId: d.storeId, token: d.token })),
      ratePerSecond: 100,
      durationS: 3,
      qos: 1,
      duplicateFraction: 0.05,
      badFraction: 0.02,
      batchSize: 1,
      minorUnitDigits: 2,
      random: seededRandom(20),
    })
    const stored = summary.sales - summary.duplicatesSent
    // Bronze holds every valid sale once, then gold has counted all of them (generous bounds: CI is a loaded 2-core machine).
    await vi.waitUntil(() => gw.bronze().sales.length === stored, { timeout: 30_000, interval: 100 })
    await vi.waitUntil(() => gold<{ lines: number | null }>('SELECT sum(sales_count) AS lines FROM gold.kpi_daily_orders').lines === stored, {
      timeout: 30_000,
      interval: 100,
    })
    sales = gw.bronze().sales
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('every order id has its lines from exactly one device, one after another', () => {
    expect(summary.acked).toBe(summary.sent)
    expect(sales.length).toBeGreaterThan(100) // the fleet really ran
    const devicesOf = new Map<string, Set<string>>()
    for (const sale of sales) {
      expect(sale.order_id).not.toBeNull()
      const devices = devicesOf.get(sale.order_id!) ?? new Set<string>()
      devices.add(sale.device_id)
      devicesOf.set(sale.order_id!, devices)
    }
    const spread = [...devicesOf].filter(([, devices]) => devices.size > 1).map(([order, devices]) => `${order}: ${[...devices].join(', ')}`)
    expect(spread).toEqual([])

    // On each device (one MQTT connection, kept in order), a basket's lines are not interleaved with another's.
    for (const deviceId of new Set(sales.map((sale) => sale.device_id))) {
      const orders = sales.filter((sale) => sale.device_id === deviceId).map((sale) => sale.order_id!)
      const runs = orders.filter((order, i) => i === 0 || order !== orders[i - 1])
      expect(new Set(runs).size, `${deviceId}: ${runs.join(' ')}`).toBe(runs.length)
    }
  })

  it('the gold day has fewer orders than sales, and more than one line per order', () => {
    const day = gold<{ days: number; sales_count: number; order_count: number }>(
      'SELECT count(*) AS days, sum(sales_count) AS sales_count, sum(order_count) AS order_count FROM gold.kpi_daily_orders',
    )
    expect(day.days).toBeGreaterThanOrEqual(1) // today (two only if the run crossed midnight UTC)
    expect(day.order_count).toBeLessThan(day.sales_count)
    // Baskets of 1-4 lines average 2.5; 1 would be the old bug (one order per line).
    expect(day.sales_count / day.order_count).toBeGreaterThan(1.5)
    // The orders gold counted are the baskets the tills sent.
    expect(day.order_count).toBe(new Set(sales.map((sale) => sale.order_id)).size)
  })
})
