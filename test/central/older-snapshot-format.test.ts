import { DuckDBInstance } from '@duckdb/node-api'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { GOLD_TABLE_NAMES } from '../../src/gold/gold-tables.js'
import { SNAPSHOT_SCHEMA_VERSION } from '../../src/snapshot/gold-parquet-schema.js'
import { upgradeLake } from '../../src/central/lake-format.js'
import type { SnapshotManifest } from '../../src/contract/snapshot-manifest.js'
import { readTable } from '../../src/snapshot/parquet-file.js'
import { pullSnapshots } from '../../src/central/pull-lake.js'
import { snapshotDir } from '../../src/snapshot/snapshot-dir.js'
import { recordV1Snapshot, writeV1LakeSnapshot } from '../helpers/older-snapshots.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { openMigrated } from '../../src/schemas.js'

const CENTRAL = 'central-token-0123456789'

/** Columns of every Parquet file under a lake folder, by path. */
async function fileColumns(root: string): Promise<Map<string, string[]>> {
  const duck = await (await DuckDBInstance.create(':memory:')).connect()
  const rows = (await duck.runAndReadAll(`SELECT file_name, name FROM parquet_schema('${root}/*/**/*.parquet') WHERE num_children IS NULL`)).getRowObjects()
  const columns = new Map<string, string[]>()
  for (const row of rows) columns.set(String(row.file_name), [...(columns.get(String(row.file_name)) ?? []), String(row.name)])
  return columns
}

describe('snapshots of the format before 2 (partition columns inside the files): upgraded on the gateway and in the lake', () => {
  let gw: RunningGateway
  let device: IssuedDevice
  let base = ''
  const goldTotals = (): Record<string, number> => {
    const db = openMigrated(gw.dataDir)
    try {
      return Object.fromEntries(db.prepare('SELECT sale_date, total_amount FROM gold.kpi_daily_orders').raw().all() as [string, number][])
    } finally {
      db.close()
    }
  }
  const lakeTotals = async (lake: string): Promise<Record<string, number>> => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const rows = (
      await duck.runAndReadAll(`SELECT strftime(sale_date, '%Y-%m-%d') AS d, sum(total_amount)::DOUBLE AS cents
      FROM read_parquet('${lake}/kpi_daily_orders/**/*.parquet', hive_partitioning = true) GROUP BY ALL`)
    ).getRowObjects()
    return Object.fromEntries(rows.map((row) => [row.d, row.cents]))
  }

  beforeAll(async () => {
    gw = await startGateway({ http: { tokens: { central: CENTRAL } } })
    device = gw.addDevice('abc123')
    base = `http://127.0.0.1:${gw.addresses.http.port}`
    const client = await connectDevice(gw.url, device)
    for (const sale of [
      seedSale({ timestamp: '2025-05-01T10:00:00Z', price: 15.5 }),
      seedSale({ timestamp: '2025-05-02T10:00:00Z', price: 3.9, quantity: 2 }),
    ]) {
      await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 1 })
    }
    await client.endAsync()
    const until = Date.now() + 10_000
    while (Object.keys(goldTotals()).length < 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
  })
  afterAll(() => gw.stop())

  it('an upgraded gateway still holding version 1 snapshots: pull rewrites them as they land; the next snapshot run remakes them as new versions', async () => {
    const db = openMigrated(gw.dataDir)
    const old = ['2025-05-01', '2025-05-02'].map((date) => recordV1Snapshot(db, snapshotDir(gw.dataDir), 'store_001', date))
    db.close()
    const lake = makeTempDir('medallion-lake-')
    try {
      const first = await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })
      expect(first).toMatchObject({ snapshots: 2, upgraded: 2 * GOLD_TABLE_NAMES.length })
      for (const [path, columns] of await fileColumns(lake.path)) expect(columns, path).not.toContain('sale_date')
      const landed = JSON.parse(readFileSync(join(lake.path, '_manifests', `${old[0]!.snapshot_id}.json`), 'utf8')) as SnapshotManifest & {
        upgraded_from_schema_version: number
      }
      expect(landed).toMatchObject({ schema_version: SNAPSHOT_SCHEMA_VERSION, upgraded_from_schema_version: 1, snapshot_id: old[0]!.snapshot_id })
      expect(await lakeTotals(lake.path)).toEqual(goldTotals())

      // The same content, but an older format: each day gets a version 2 that supersedes it.
      await gw.gateway.scheduler.runNow('snapshot')
      const second = await pullSnapshots({ from: base, token: CENTRAL, into: lake.path })
      expect(second).toMatchObject({ snapshots: 2, upgraded: 0, superseded: 2 * GOLD_TABLE_NAMES.length })
      const current = JSON.parse(readFileSync(join(lake.path, '_manifests', 'store_001-2025-05-01-v2.json'), 'utf8')) as SnapshotManifest
      expect(current).toMatchObject({ schema_version: SNAPSHOT_SCHEMA_VERSION, supersedes: 'store_001-2025-05-01-v1' })
      expect(await lakeTotals(lake.path)).toEqual(goldTotals())
    } finally {
      lake.remove()
    }
  })

  it('a gateway started with snapshots of an older format makes them again at once, not at the next hourly run', async () => {
    const db = openMigrated(gw.dataDir)
    db.prepare('DELETE FROM outbox').run()
    db.prepare('DELETE FROM snapshots').run()
    recordV1Snapshot(db, snapshotDir(gw.dataDir), 'store_001', '2025-05-02')
    db.close()
    // The same data directory, a new daemon (the upgrade's restart).
    await gw.restart()
    const versions = (): unknown[] => {
      const check = openMigrated(gw.dataDir)
      try {
        return check
          .prepare("SELECT snapshot_id, json_extract(manifest, '$.schema_version') FROM snapshots WHERE sale_date = '2025-05-02' ORDER BY version")
          .raw()
          .all()
      } finally {
        check.close()
      }
    }
    await expect.poll(versions, { timeout: 30_000 }).toEqual([
      ['store_001-2025-05-02-v1', 1],
      ['store_001-2025-05-02-v2', SNAPSHOT_SCHEMA_VERSION],
    ])
  })

  it("a lake an older pull filled is rewritten once, in place, at the next pull: today's version, format 3's columns as they were (gross = the amount, no returns)", async () => {
    const lake = makeTempDir('medallion-lake-')
    try {
      const db = openMigrated(gw.dataDir)
      const old = writeV1LakeSnapshot(lake.path, db, 'store_001', '2025-05-01')
      db.close()
      expect((await fileColumns(lake.path)).get(join(lake.path, old.files[0]!.path))).toContain('sale_date')
      expect(upgradeLake(lake.path)).toEqual({ rewritten: GOLD_TABLE_NAMES.length, failed: [] })
      for (const [path, columns] of await fileColumns(lake.path)) expect(columns, path).not.toContain('store_id')
      const file = readFileSync(join(lake.path, old.files.find((entry) => entry.table === 'kpi_daily_orders')!.path))
      const upgraded = readTable(file)
      const metadata = upgraded.schema.metadata
      expect([metadata.get('medallion.schema_version'), metadata.get('medallion.sale_date'), metadata.get('medallion.store_id')]).toEqual([
        String(SNAPSHOT_SCHEMA_VERSION),
        '2025-05-01',
        'store_001',
      ])
      const row = upgraded.get(0)!.toJSON() as Record<string, unknown>
      expect(row.gross_amount).toBe(row.total_amount)
      expect([row.returns_amount, row.returns_count, row.voids_count]).toEqual([0n, 0n, 0n])
      const manifest = JSON.parse(readFileSync(join(lake.path, '_manifests', `${old.snapshot_id}.json`), 'utf8')) as SnapshotManifest
      expect(manifest.files.find((entry) => entry.table === 'kpi_daily_orders')!.bytes).toBe(file.byteLength)
      expect(await lakeTotals(lake.path)).toEqual({ '2025-05-01': goldTotals()['2025-05-01'] })
      // Once: the marker says the lake is done.
      expect(upgradeLake(lake.path)).toEqual({ rewritten: 0, failed: [] })
    } finally {
      lake.remove()
    }
  })

  it('a file of the lake that cannot be read does not stop the rewrite of the others, nor mark the lake done', async () => {
    const lake = makeTempDir('medallion-lake-')
    try {
      const db = openMigrated(gw.dataDir)
      const broken = writeV1LakeSnapshot(lake.path, db, 'store_001', '2025-05-01')
      writeV1LakeSnapshot(lake.path, db, 'store_001', '2025-05-02')
      db.close()
      writeFileSync(join(lake.path, broken.files[0]!.path), 'not parquet')
      const first = upgradeLake(lake.path)
      expect(first.rewritten).toBe(GOLD_TABLE_NAMES.length)
      expect(first.failed).toEqual([expect.stringMatching(/^store_001-2025-05-01-v1\.json: /)])
      // Not marked done: the next pull tries the broken one again (and only it).
      expect(upgradeLake(lake.path)).toMatchObject({ rewritten: 0, failed: [expect.stringMatching(/^store_001-2025-05-01-v1\.json/)] })
    } finally {
      lake.remove()
    }
  })
})
