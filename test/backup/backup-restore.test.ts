import Database from 'better-sqlite3'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createBackup } from '../../src/backup/backup.js'
import { readBackupManifest } from '../../src/backup/backup-manifest.js'
import { restoreBackup } from '../../src/backup/restore.js'
import { gatewayInstanceId } from '../../src/snapshot/snapshot-catalog.js'
import { SnapshotBuilder } from '../../src/snapshot/snapshot-builder.js'
import type { SnapshotManifest } from '../../src/contract/snapshot-manifest.js'
import { sha256Hex } from '../../src/util/digest.js'
import { AckedLoad } from '../helpers/acked-load.js'
import { addDeviceWithCli, runCli, type CliResult } from '../helpers/cli.js'
import { caughtUp, expectSoundDataDir } from '../helpers/data-dir-checks.js'
import { startDaemon, writeDaemonConfig, type DaemonProcess } from '../helpers/daemon.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { eventTopic } from '../../src/contract/device-topic.js'
import { SilverHarness } from '../helpers/silver-harness.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { openMigrated } from '../../src/schemas.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function expectOneLine(result: CliResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(1)
  expect(result.stderr.trim().split('\n')).toHaveLength(1)
  expect(result.stderr).toMatch(pattern)
}

describe('backup next to the running daemon, restore with it stopped', () => {
  const dir = makeTempDir()
  const dataDir = join(dir.path, 'data')
  const backupDir = join(dir.path, 'backup-1')
  const config = writeDaemonConfig(dir.path, dataDir)
  let daemon: DaemonProcess | undefined
  afterAll(async () => {
    if (daemon && daemon.child.exitCode === null) {
      daemon.child.kill('SIGKILL')
      await daemon.exited
    }
    dir.remove()
  })
  const count = (sql: string): number => {
    const db = openMigrated(dataDir)
    try {
      return db.prepare(sql).pluck().get() as number
    } finally {
      db.close()
    }
  }
  const caughtUpHere = (): boolean => caughtUp(dataDir)
  const stop = async (): Promise<void> => {
    daemon!.child.kill('SIGTERM')
    expect(await daemon!.exited).toEqual({ code: 0, signal: null })
  }

  it('a backup taken under load is one consistent state: restored, the gateway catches up, gold equals a rebuild, new sales flow', async () => {
    const devices = await Promise.all(['till-1', 'till-2'].map((id) => addDeviceWithCli(config, id)))
    daemon = await startDaemon(config)
    // Stock too (issue 23): a shelf count before the backup, in the copy with its gold rows.
    const scanner = await connectDevice(`mqtt://127.0.0.1:${daemon.mqttPort}`, devices[1]!)
    const count3 = (product: number, quantity: number): Record<string, unknown> => ({
      device_id: 'till-2',
      store_id: 'store_001',
      timestamp: new Date().toISOString(),
      product_id: product,
      type: 'count',
      quantity,
    })
    await scanner.publishAsync(eventTopic(devices[1]!, 'inventory'), JSON.stringify([count3(201, 5), count3(202, 7), count3(203, 0)]), { qos: 1 })
    await scanner.endAsync()
    const load = await AckedLoad.start(daemon.mqttPort, devices, 5)
    await sleep(1000)
    const ackedBeforeBackup = [...load.acked]
    const backup = await runCli(['backup', '--out', backupDir, '--config', config])
    expect(backup.code, backup.stderr).toBe(0)
    expect(backup.stdout).toMatch(/^backup of .* in .*backup-1: gateway\.db .*, bronze\.db .*; 0 snapshots/)
    await sleep(300)
    await load.stop()
    // The copy is one state: every pointer finds its target (silver's watermark and rows in bronze,
    // gold's in silver's changes and sales), as the copy order (gateway, gold, silver, bronze) makes sure.
    const copy = new Database(join(backupDir, 'gateway.db'), { readonly: true })
    for (const layer of ['bronze', 'silver', 'gold']) copy.prepare(`ATTACH DATABASE ? AS ${layer}`).run(join(backupDir, `${layer}.db`))
    const inBackup = copy.prepare('SELECT count(*) FROM bronze.iot_sales_raw').pluck().get() as number
    expect(inBackup).toBeGreaterThan(0)
    expect(copy.prepare('SELECT count(*) FROM bronze.iot_inventory_raw').pluck().get()).toBe(3)
    expect(
      copy
        .prepare(
          `SELECT (SELECT value FROM silver.pipeline_state WHERE name = 'bronze_watermark') <= (SELECT max(id) FROM bronze.iot_sales_raw)
      AND NOT EXISTS (SELECT 1 FROM silver.sales_enriched e WHERE NOT EXISTS (SELECT 1 FROM bronze.iot_sales_raw b WHERE b.id = e.bronze_id))
      AND coalesce((SELECT value FROM gold.pipeline_state WHERE name = 'day_changes_seq'), 0) <= coalesce((SELECT seq FROM silver.sqlite_sequence WHERE name = 'day_changes'), 0)
      AND coalesce((SELECT value FROM gold.pipeline_state WHERE name = 'sales_through'), 0) <= (SELECT value FROM silver.pipeline_state WHERE name = 'bronze_watermark')`,
        )
        .pluck()
        .get(),
    ).toBe(1)
    copy.close()

    // With the daemon running, restore refuses.
    expectOneLine(await runCli(['restore', '--from', backupDir, '--config', config]), /in use by another medallion-edge \(pid \d+\).*stop it before restoring/)
    await vi.waitUntil(caughtUpHere, { timeout: 30_000, interval: 100 })
    await stop()
    const acked = load.acked.size
    expect(count('SELECT count(*) FROM bronze.iot_sales_raw')).toBeGreaterThanOrEqual(acked)

    const restored = await runCli(['restore', '--from', backupDir, '--config', config])
    expect(restored.code, restored.stderr).toBe(0)
    expect(restored.stdout).toMatch(/the data it replaced is in .*before-restore-/)
    expect(count('SELECT count(*) FROM bronze.iot_sales_raw')).toBe(inBackup)

    daemon = await startDaemon(config)
    await vi.waitUntil(caughtUpHere, { timeout: 30_000, interval: 100 })
    // New sales after the restore: stored, enriched, counted (ids and watermarks agree across the files).
    const client = await connectDevice(`mqtt://127.0.0.1:${daemon.mqttPort}`, devices[0]!)
    for (let i = 0; i < 20; i++)
      await client.publishAsync(topicOf(devices[0]!), JSON.stringify(seedSale({ device_id: 'till-1', timestamp: new Date().toISOString() })), { qos: 1 })
    await client.endAsync()
    await vi.waitUntil(() => caughtUpHere() && count('SELECT count(*) FROM silver.sales_enriched') === inBackup + 20, { timeout: 30_000, interval: 100 })
    await stop()
    // Every sale acked before the backup started is in the restored gateway (once: the check counts).
    expect(expectSoundDataDir(dataDir, { acked: ackedBeforeBackup })).toMatchObject({ bronze: inBackup + 20, silver: inBackup + 20 })
    // The counts came back through silver into gold: the three products' stock known today (gold equals a rebuild: checked above).
    expect(count('SELECT count(*) FROM silver.inventory_movements')).toBe(3)
    expect(count('SELECT count(DISTINCT product_id) FROM gold.fact_inventory WHERE known = 1 AND product_id IN (201, 202, 203)')).toBe(3)
  })

  it('a damaged backup, a non-empty --out, a directory that is no backup: one line each, nothing changed', async () => {
    const before = count('SELECT count(*) FROM bronze.iot_sales_raw')
    expectOneLine(await runCli(['backup', '--out', backupDir, '--config', config]), new RegExp(`${backupDir} already exists and is not an empty directory`))
    expectOneLine(await runCli(['restore', '--from', dir.path, '--config', config]), /no backup\.json: not a medallion-edge backup/)
    const silver = join(backupDir, 'silver.db')
    const bytes = readFileSync(silver)
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff
    writeFileSync(silver, bytes)
    expectOneLine(await runCli(['restore', '--from', backupDir, '--config', config]), /backup .*: silver\.db does not match its SHA-256 in backup\.json/)
    expect(count('SELECT count(*) FROM bronze.iot_sales_raw')).toBe(before)
  })
})

describe('backup and restore of the snapshot files', () => {
  const h = new SilverHarness()
  const work = makeTempDir()
  afterAll(() => {
    h.close()
    work.remove()
  })

  it("copies every snapshot the backup records; the restored gateway has them whole, and a new instance id (central's pull starts over)", () => {
    h.ingest([seedSale({ timestamp: '2025-05-01T10:00:00Z' }), seedSale({ timestamp: '2025-05-02T10:00:00Z' })])
    h.process()
    h.gold.refreshAll()
    new SnapshotBuilder(h.db, { dir: join(h.dir.path, 'snapshots'), currency: { code: 'USD', minorUnitDigits: 2 } }).run()
    const instance = gatewayInstanceId(h.db)
    const out = join(work.path, 'b')
    const manifest = createBackup({ dataDir: h.dir.path, out, version: 'test', configFile: null })
    expect(manifest.snapshots.count).toBe(2)
    expect(readBackupManifest(out).databases.map((database) => database.file)).toEqual(['gateway.db', 'gold.db', 'silver.db', 'bronze.db'])

    const target = join(work.path, 'restored')
    expect(restoreBackup({ dataDir: target, from: out })).toMatchObject({ setAside: null })
    // What restore left on disk, read before anything opens it as the daemon would (which creates and sets up files).
    expect(existsSync(join(target, 'bronze.db'))).toBe(true)
    const raw = new Database(join(target, 'bronze.db'), { readonly: true })
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    raw.close()
    const db = openMigrated(target)
    try {
      for (const row of db.prepare('SELECT snapshot_id, manifest FROM snapshots').all() as { snapshot_id: string; manifest: string }[]) {
        for (const file of (JSON.parse(row.manifest) as SnapshotManifest).files) {
          expect(sha256Hex(readFileSync(join(target, 'snapshots', row.snapshot_id, file.path)))).toBe(file.sha256)
        }
      }
      expect(gatewayInstanceId(db)).not.toBe(instance)
    } finally {
      db.close()
    }
  })
})
