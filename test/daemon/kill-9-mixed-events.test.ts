import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DeviceRegistry, type IssuedDevice } from '../../src/broker/device-registry.js'
import { GoldRefresher } from '../../src/gold/gold-refresher.js'
import { openMigrated } from '../../src/schemas.js'
import { StockOnHand } from '../../src/silver/stock-on-hand.js'
import { AckedLoad, type NextEvent } from '../helpers/acked-load.js'
import { startDaemon, writeDaemonConfig, type DaemonProcess } from '../helpers/daemon.js'
import { seedSale } from '../helpers/sales.js'
import { dumpGold } from '../helpers/silver-harness.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { goldPositions, silverPositions } from '../helpers/stock-positions.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Each device's mix: a return every 7th message (of its 3rd-last line), a void every 11th (of its last line), sales otherwise. */
function mixedEvents(): NextEvent {
  const sent = new Map<string, string[]>()
  let n = 0
  return (device, at) => {
    n++
    const lines = sent.get(device.deviceId) ?? []
    sent.set(device.deviceId, lines)
    const base = { device_id: device.deviceId, store_id: device.storeId, timestamp: at }
    if (n % 11 === 0 && lines.length > 0) return { event: { ...base, event_id: `void-${n}`, void_of: lines.at(-1)! } }
    const line = n % 7 === 0 && lines.length > 3 ? seedSale({ ...base, quantity: -1, refund_of: lines.at(-3)!, reason: 'damaged' }) : seedSale({ ...base })
    lines.push(line.event_id as string)
    if (lines.length > 10) lines.shift()
    return { event: line }
  }
}

/** Sales from every device, and every 3rd message an inventory event (a count, a receipt or an adjustment) of one of 5 products. */
function salesAndStock(): NextEvent {
  let n = 0
  return (device, at) => {
    n++
    const base = { device_id: device.deviceId, store_id: device.storeId, timestamp: at }
    if (n % 3 !== 0) return { event: seedSale({ ...base, product_id: 101 + (n % 5) }) }
    const type = (['count', 'receipt', 'adjustment'] as const)[(n / 3) % 3]!
    const quantity = type === 'count' ? 50 : type === 'receipt' ? 10 : -1
    return {
      event: { ...base, event_id: `stock-${n}`, product_id: 101 + (n % 5), type, quantity, ...(type === 'adjustment' ? { reason: 'damaged' } : {}) },
      kind: 'inventory',
    }
  }
}

function stored(dataDir: string): { lines: string[]; voids: string[]; stock: string[] } {
  const db = new Database(join(dataDir, 'bronze.db'), { readonly: true })
  try {
    return {
      lines: db.prepare('SELECT event_id FROM iot_sales_raw').pluck().all() as string[],
      voids: db.prepare('SELECT event_id FROM iot_sale_voids').pluck().all() as string[],
      stock: db.prepare('SELECT event_id FROM iot_inventory_raw').pluck().all() as string[],
    }
  } finally {
    db.close()
  }
}

describe('returns, voids and inventory events under kill -9 (issues 22 and 23)', () => {
  const dir = makeTempDir()
  const dataDir = join(dir.path, 'data')
  let daemons: DaemonProcess[] = []
  afterEach(() => {
    for (const daemon of daemons) daemon.child.kill('SIGKILL')
    daemons = []
  })

  it('every acked sale, return and void is in bronze once after a restart, and gold, caught up, equals a rebuild', async () => {
    const config = writeDaemonConfig(dir.path, dataDir)
    const db = openMigrated(dataDir, { attach: [] })
    const devices: IssuedDevice[] = Array.from({ length: 4 }, (_, i) => new DeviceRegistry(db).add(`mixed-${i}`, 'store_001'))
    db.close()
    const first = await startDaemon(config)
    daemons.push(first)
    const load = await AckedLoad.start(first.mqttPort, devices, 50, undefined, mixedEvents())
    await sleep(1500)
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    await load.stop()
    const acked = [...load.acked]
    expect(acked.filter((id) => id.startsWith('void-')).length).toBeGreaterThan(20) // the kill hit a mixed stream

    const second = await startDaemon(config)
    daemons.push(second)
    const after = stored(dataDir)
    const all = new Set([...after.lines, ...after.voids])
    expect(acked.filter((id) => !all.has(id))).toEqual([])
    expect(after.lines.length).toBe(new Set(after.lines).size)
    expect(after.voids.length).toBe(new Set(after.voids).size)

    // Silver and gold catch up after the restart (generous: CI is a loaded 2-core machine).
    const layers = openMigrated(dataDir)
    try {
      const count = (sql: string): number => layers.prepare(sql).pluck().get() as number
      await vi.waitUntil(() => count('SELECT count(*) FROM silver.sale_voids') === after.voids.length, { timeout: 60_000, interval: 200 })
      await vi.waitUntil(() => count('SELECT count(*) FROM silver.sales_enriched') === after.lines.length, { timeout: 60_000, interval: 200 })
      const goldEqualsSilver = (): boolean =>
        count('SELECT coalesce(sum(returns_count), 0) FROM gold.kpi_daily_orders') ===
          count('SELECT count(*) FROM silver.sales_enriched WHERE quantity < 0 AND voided_by IS NULL') &&
        count('SELECT coalesce(sum(voids_count), 0) FROM gold.kpi_daily_orders') ===
          count('SELECT count(*) FROM silver.sales_enriched WHERE voided_by IS NOT NULL') &&
        count('SELECT coalesce(sum(sales_count), 0) FROM gold.kpi_daily_orders') ===
          count('SELECT count(*) FROM silver.sales_enriched WHERE quantity > 0 AND voided_by IS NULL')
      await vi.waitUntil(goldEqualsSilver, { timeout: 60_000, interval: 200 })
      second.child.kill('SIGTERM')
      await second.exited
      expect(count("SELECT count(*) FROM silver.sale_voids WHERE state = 'applied'")).toBeGreaterThan(20)
      const live = dumpGold(layers)
      new GoldRefresher(layers).rebuild()
      expect(dumpGold(layers)).toBe(live)
    } finally {
      layers.close()
    }
  })

  it('sales and inventory events: every acked one in bronze once after a restart; fact_inventory, caught up, equals a rebuild', async () => {
    const dataDir2 = join(dir.path, 'data-stock')
    const config = writeDaemonConfig(dir.path, dataDir2)
    const db = openMigrated(dataDir2, { attach: [] })
    const devices: IssuedDevice[] = Array.from({ length: 4 }, (_, i) => new DeviceRegistry(db).add(`stock-${i}`, 'store_001'))
    db.close()
    const first = await startDaemon(config)
    daemons.push(first)
    const load = await AckedLoad.start(first.mqttPort, devices, 50, undefined, salesAndStock())
    await sleep(1500)
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    await load.stop()
    const acked = [...load.acked]
    expect(acked.filter((id) => id.startsWith('stock-')).length).toBeGreaterThan(100) // the kill hit a mixed stream

    const second = await startDaemon(config)
    daemons.push(second)
    const after = stored(dataDir2)
    const all = new Set([...after.lines, ...after.stock])
    expect(acked.filter((id) => !all.has(id))).toEqual([])
    expect(after.stock.length).toBe(new Set(after.stock).size)

    const layers = openMigrated(dataDir2)
    try {
      const count = (sql: string): number => layers.prepare(sql).pluck().get() as number
      await vi.waitUntil(() => count('SELECT count(*) FROM silver.inventory_movements') === after.stock.length, { timeout: 60_000, interval: 200 })
      // Gold has taken every movement and every sale.
      await vi.waitUntil(
        () =>
          count("SELECT coalesce((SELECT value FROM gold.pipeline_state WHERE name = 'inventory_through'), 0)") ===
            count('SELECT max(bronze_id) FROM silver.inventory_movements') &&
          count("SELECT coalesce((SELECT value FROM gold.pipeline_state WHERE name = 'sales_through'), 0)") ===
            count('SELECT max(bronze_id) FROM silver.sales_enriched'),
        { timeout: 60_000, interval: 200 },
      )
      second.child.kill('SIGTERM')
      await second.exited
      const rows = (): string => JSON.stringify(layers.prepare('SELECT * FROM gold.fact_inventory ORDER BY stock_date, product_id').all())
      const live = rows()
      expect(count('SELECT count(*) FROM gold.fact_inventory')).toBeGreaterThanOrEqual(5)
      new GoldRefresher(layers).rebuild()
      expect(rows()).toBe(live)
      // Silver's stock now, kept batch by batch across the kill, is where gold's newest rows close, and what it computes from scratch.
      const onHand = silverPositions(layers)
      expect(Object.keys(onHand).length).toBeGreaterThanOrEqual(5)
      expect(onHand).toEqual(goldPositions(layers))
      layers.transaction(() => new StockOnHand(layers).rebuild())()
      expect(silverPositions(layers)).toEqual(onHand)
    } finally {
      layers.close()
    }
  })
})
