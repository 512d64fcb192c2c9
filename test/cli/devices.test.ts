import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startDaemon, writeDaemonConfig } from '../helpers/daemon.js'
import { RawMqttClient } from '../helpers/raw-mqtt.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { openMigrated } from '../../src/schemas.js'
import { DEMO_PRODUCTS } from '../../src/simulate/catalog.js'

const dir = makeTempDir()
afterAll(() => dir.remove())
const config = writeDaemonConfig(dir.path, join(dir.path, 'data'))

describe('medallion-edge devices', () => {
  it('add --json prints the token once; the daemon accepts it, also for a device added while it runs', async () => {
    const added = await runCli(['devices', 'add', 'abc123', '--store', 'store_001', '--json', '--config', config])
    expect(added.code).toBe(0)
    const issued = JSON.parse(added.stdout) as { device_id: string; store_id: string; token: string }
    expect(issued).toMatchObject({ device_id: 'abc123', store_id: 'store_001' })
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/) // 256 bits, base64url

    const daemon = await startDaemon(config)
    try {
      const later = JSON.parse((await runCli(['devices', 'add', 'late-1', '--json', '--config', config])).stdout) as { token: string }
      for (const [username, password] of [
        ['abc123', issued.token],
        ['late-1', later.token],
      ] as const) {
        const { client, returnCode } = await RawMqttClient.connect(daemon.mqttPort, { username, password })
        client.destroy()
        expect(returnCode).toBe(0)
      }
    } finally {
      daemon.child.kill('SIGTERM')
      await daemon.exited
    }
  })

  it('stores only a hash of the token', async () => {
    const { token } = JSON.parse((await runCli(['devices', 'add', 'hashed', '--json', '--config', config])).stdout) as { token: string }
    const Database = (await import('better-sqlite3')).default
    const db = new Database(join(dir.path, 'data', 'gateway.db'), { readonly: true })
    const stored = db.prepare("SELECT token_sha256 FROM devices WHERE device_id = 'hashed'").pluck().get() as Buffer
    const dump = JSON.stringify(db.prepare('SELECT * FROM devices').all()) + stored.toString('hex').toUpperCase()
    db.close()
    expect(stored.equals(createHash('sha256').update(token, 'utf8').digest())).toBe(true)
    expect(dump).not.toContain(token)
    expect(dump).not.toContain(Buffer.from(token).toString('hex').toUpperCase())
  })

  it('list shows the devices; remove takes one away', async () => {
    const list = JSON.parse((await runCli(['devices', 'list', '--json', '--config', config])).stdout) as { device_id: string }[]
    expect(list.map((d) => d.device_id)).toEqual(['abc123', 'hashed', 'late-1'])
    expect((await runCli(['devices', 'remove', 'hashed', '--config', config])).code).toBe(0)
    const after = JSON.parse((await runCli(['devices', 'list', '--json', '--config', config])).stdout) as { device_id: string }[]
    expect(after.map((d) => d.device_id)).toEqual(['abc123', 'late-1'])
  })

  it('refuses a duplicate, an unknown device and an id that cannot be a topic level', async () => {
    const duplicate = await runCli(['devices', 'add', 'abc123', '--config', config])
    expect(duplicate.code).toBe(1)
    expect(duplicate.stderr).toMatch(/^medallion-edge: device 'abc123' is already registered/)
    const unknown = await runCli(['devices', 'remove', 'ghost', '--config', config])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/device 'ghost' is not registered/)
    const wildcard = await runCli(['devices', 'add', 'a/#', '--config', config])
    expect(wildcard.code).toBe(1)
    expect(wildcard.stderr).toMatch(/device id 'a\/#' must be 1-64 characters/)
  })

  it('add without --json prints the token with instructions', async () => {
    const result = await runCli(['devices', 'add', 'plain-1', '--config', config])
    expect(result.stdout).toMatch(/^device plain-1 registered for store store_001\ntoken: [A-Za-z0-9_-]{43}\n/)
  })
})

describe('medallion-edge simulate and status', () => {
  it('a simulated fleet publishes over MQTT; status reports what bronze holds', async () => {
    const simDir = makeTempDir()
    const simConfig = writeDaemonConfig(simDir.path, join(simDir.path, 'data'))
    const daemon = await startDaemon(simConfig)
    try {
      writeFileSync(join(simDir.path, 'port.txt'), String(daemon.mqttPort))
      const result = await runCli([
        'simulate',
        '--devices',
        '5',
        '--rate',
        '400',
        '--duration',
        '2',
        '--duplicates',
        '0.1',
        '--bad',
        '0.05',
        '--batch',
        '2',
        '--returns',
        '0.1',
        '--voids',
        '0.05',
        '--inventory',
        '0.05',
        '--seed',
        '7',
        '--json',
        '--config',
        simConfig,
        '--port',
        String(daemon.mqttPort),
      ])
      expect(result.code).toBe(0)
      const summary = JSON.parse(result.stdout) as {
        sent: number
        acked: number
        sales: number
        duplicatesSent: number
        badSent: number
        returnsSent: number
        voidsSent: number
        inventorySent: number
        unacked: number
        refusedByReason: Record<string, number>
      }
      expect(summary.sent).toBeGreaterThan(600)
      expect(summary.acked).toBe(summary.sent)
      expect(summary.duplicatesSent).toBeGreaterThan(0)
      expect(summary.badSent).toBeGreaterThan(0)
      // The devices were told of each bad message on their rejects topic (one by one, or counted in a summary).
      expect(Object.values(summary.refusedByReason).reduce((sum, count) => sum + count, 0)).toBe(summary.badSent)

      const status = await runCli(['status', '--json', '--config', simConfig], { MEDALLION_EDGE_MQTT_PORT: String(daemon.mqttPort) })
      const report = JSON.parse(status.stdout) as {
        daemon: { running: boolean }
        devices: number
        bronze: { sales: number; inventoryEvents: number; rejects: number }
      }
      expect(report.daemon.running).toBe(true)
      expect(report.devices).toBe(5)
      // Every valid sale once: sales sent minus the resent ones.
      expect(report.bronze.sales).toBe(summary.sales - summary.duplicatesSent)
      expect(report.bronze.rejects).toBe(summary.badSent)
      expect(report.bronze.inventoryEvents).toBe(summary.inventorySent)
      // Returns and voids (issue 22): sent, stored, and in gold once the pipeline has them.
      expect(summary.returnsSent).toBeGreaterThan(0)
      expect(summary.voidsSent).toBeGreaterThan(0)
      const db = openMigrated(join(simDir.path, 'data'))
      try {
        const count = (sql: string): number => db.prepare(sql).pluck().get() as number
        expect(count('SELECT count(*) FROM bronze.iot_sales_raw WHERE quantity < 0')).toBe(summary.returnsSent)
        expect(count('SELECT count(*) FROM bronze.iot_sale_voids')).toBe(summary.voidsSent)
        await vi.waitUntil(() => count('SELECT count(*) FROM silver.sale_voids') === summary.voidsSent, { timeout: 30_000, interval: 100 })
        await vi.waitUntil(() => count('SELECT coalesce(sum(returns_count), 0) FROM gold.kpi_daily_orders') === summary.returnsSent, {
          timeout: 30_000,
          interval: 100,
        })
        // A void of a line a bad message spoilt waits for a line that never comes: the rest are in gold.
        const applied = count("SELECT count(*) FROM silver.sale_voids WHERE state = 'applied'")
        // Inventory (issue 23): a stock-take of every demo product, then deliveries, counts and write-offs.
        expect(summary.inventorySent).toBeGreaterThan(DEMO_PRODUCTS.length)
        expect(count('SELECT count(*) FROM bronze.iot_inventory_raw')).toBe(summary.inventorySent)
        expect(count("SELECT count(DISTINCT product_id) FROM bronze.iot_inventory_raw WHERE type = 'receipt'")).toBeGreaterThan(0)
        await vi.waitUntil(() => count('SELECT count(DISTINCT product_id) FROM gold.fact_inventory WHERE known = 1') === DEMO_PRODUCTS.length, {
          timeout: 30_000,
          interval: 100,
        })
        expect(applied).toBeGreaterThan(0)
        await vi.waitUntil(() => count('SELECT coalesce(sum(voids_count), 0) FROM gold.kpi_daily_orders') === applied, { timeout: 30_000, interval: 100 })
      } finally {
        db.close()
      }
    } finally {
      daemon.child.kill('SIGTERM')
      await daemon.exited
      simDir.remove()
    }
  })
})
