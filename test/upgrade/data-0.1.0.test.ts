import { GATEWAY_OWNERS, LAYER_MIGRATIONS, openMigrated } from '../../src/schemas.js'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { SNAPSHOT_SCHEMA_VERSION } from '../../src/snapshot/gold-parquet-schema.js'
import type { SnapshotManifest } from '../../src/contract/snapshot-manifest.js'
import { runCli } from '../helpers/cli.js'
import { writeDaemonConfig } from '../helpers/daemon.js'
import { expectSoundDataDir } from '../helpers/data-dir-checks.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { readTables, PROGRESS, type TableRows } from '../helpers/release-data.js'

// Made by test/fixtures/make-data.mjs with release 0.1.0 (see test/fixtures/README.md).
const FIXTURE = fileURLToPath(new URL('../fixtures/data-0.1.0.tar.gz', import.meta.url))
describe('a data directory written by release 0.1.0', () => {
  const work = makeTempDir('medallion-upgrade-')
  const dataDir = join(work.path, 'data')
  const lake = join(work.path, 'lake')
  let before: Map<string, TableRows>
  let gw: RunningGateway

  beforeAll(async () => {
    execFileSync('tar', ['-xzf', FIXTURE, '-C', work.path])
    before = readTables(dataDir)
    // The config 0.1.0 ran with (test/fixtures/make-data.mjs), on this release.
    gw = await startGateway(
      {
        timezone: 'Europe/Berlin',
        silver: {
          expectations: [
            { rule: 'price_range', min: 0, max: 500, action: 'drop' },
            { rule: 'known_store', action: 'warn' },
          ],
        },
        upload: { target: 'directory', directory: { path: lake } },
      },
      { dataDir },
    )
  }, 60_000)
  afterAll(async () => {
    await gw?.stop()
    work.remove()
  })

  it('the fixture is what 0.1.0 made: sales, rejects, quarantine, dimension versions, format-1 snapshots, a pending upload', () => {
    const rows = (key: string): number => before.get(key)!.rows.length
    expect(rows('bronze.iot_sales_raw')).toBeGreaterThan(1000)
    expect(rows('bronze.iot_sales_rejects')).toBeGreaterThan(0)
    expect(rows('silver.sales_quarantine')).toBeGreaterThan(0)
    expect(rows('silver.dim_product')).toBeGreaterThan(13) // two versions of one product
    expect(before.has('gold.fact_daily_product_sales')).toBe(false) // added after 0.1.0
    expect(before.get('main.snapshots')!.rows.every((row) => row.includes('\\"schema_version\\":1'))).toBe(true)
    expect(before.get('main.outbox')!.rows.some((row) => row.includes('"pending"'))).toBe(true)
  })

  it('opens with this release: format-1 days made again in the current format, the waiting upload shipped, the data sound', async () => {
    const db = openMigrated(dataDir)
    const query = <T>(sql: string): T[] => db.prepare(sql).all() as T[]
    try {
      // Each store-day's current snapshot is of this release's format (made again at the start).
      await vi.waitUntil(
        () =>
          query<{ manifest: string }>(`SELECT manifest FROM snapshots s WHERE version =
          (SELECT max(version) FROM snapshots l WHERE l.store_id = s.store_id AND l.sale_date = s.sale_date)`).every(
            (row) => (JSON.parse(row.manifest) as SnapshotManifest).schema_version === SNAPSHOT_SCHEMA_VERSION,
          ),
        { timeout: 30_000, interval: 100 },
      )
      // The jobs the start ran (the remake, a catch-up upload) end first: an upload already running
      // chose its work before the last days were made again.
      await vi.waitUntil(() => gw.gateway.scheduler.status().every((job) => !job.running), { timeout: 30_000, interval: 100 })
      await gw.gateway.scheduler.runNow('upload')
      expect(query("SELECT snapshot_id FROM outbox WHERE state = 'pending'")).toEqual([])
    } finally {
      db.close()
    }
    await gw.stop()
    const facts = expectSoundDataDir(dataDir, { lake })
    expect(facts.bronze).toBe(before.get('bronze.iot_sales_raw')!.rows.length)
  })

  it('keeps every row 0.1.0 wrote, in every table, column for column', () => {
    const after = readTables(dataDir, before)
    for (const [key, old] of before) {
      if (PROGRESS.has(key)) continue
      const kept = new Set(after.get(key)?.rows)
      expect(
        old.rows.filter((row) => !kept.has(row)),
        `${key}: rows 0.1.0 wrote that are gone or changed`,
      ).toEqual([])
    }
    // What moves on still holds what 0.1.0 recorded: every outbox entry (by snapshot and target).
    const outboxKeys = (rows: TableRows): string[] => rows.rows.map((row) => JSON.stringify((JSON.parse(row) as unknown[]).slice(0, 2)))
    expect(outboxKeys(after.get('main.outbox')!)).toEqual(expect.arrayContaining(outboxKeys(before.get('main.outbox')!)))
    expect(before.get('main.outbox')!.columns.slice(0, 2)).toEqual(['snapshot_id', 'target'])
  })

  it("is migrated and converted: every schema at this release's version, files in incremental vacuum, the new gold tables filled", () => {
    const db = openMigrated(dataDir)
    try {
      for (const [schema, migrations] of Object.entries(LAYER_MIGRATIONS)) {
        expect(db.pragma(`${schema}.user_version`, { simple: true }), schema).toBe(migrations.length)
        expect(db.pragma(`${schema}.auto_vacuum`, { simple: true }), `${schema} auto_vacuum`).toBe(2)
      }
      // gateway.db: one version per owner, each owner's steps all applied.
      expect(db.pragma('main.auto_vacuum', { simple: true }), 'main auto_vacuum').toBe(2)
      expect(Object.fromEntries(db.prepare('SELECT owner, version FROM main.schema_owners').raw().all() as [string, number][])).toEqual(
        Object.fromEntries(GATEWAY_OWNERS.map(({ owner, migrations }) => [owner, migrations.length])),
      )
      // Every store-day gold held has its products ranked, and each device its last sale.
      expect(
        db
          .prepare(
            `SELECT count(*) FROM gold.fact_daily_sales f WHERE NOT EXISTS
        (SELECT 1 FROM gold.fact_daily_product_sales p WHERE p.store_id = f.store_id AND p.sale_date = f.sale_date)`,
          )
          .pluck()
          .get(),
      ).toBe(0)
      expect(db.prepare('SELECT sum(sales_count) FROM gold.fact_daily_product_sales').pluck().get()).toBe(
        db.prepare('SELECT sum(sales_count) FROM gold.fact_daily_sales').pluck().get(),
      )
      // And each device's sales of the day (the staff page's "by till"), adding up to the day's.
      expect(
        db
          .prepare(
            `SELECT count(*) FROM gold.kpi_daily_orders k WHERE (k.total_amount, k.sales_count, k.units, k.order_count) IS NOT
          (SELECT sum(sales_amount), sum(sales_count), sum(units), sum(order_count) FROM gold.fact_daily_device_sales d WHERE d.store_id = k.store_id AND d.sale_date = k.sale_date)`,
          )
          .pluck()
          .get(),
      ).toBe(0)
      expect(db.prepare('SELECT count(*) FROM bronze.device_activity').pluck().get()).toBe(
        db.prepare('SELECT count(DISTINCT device_id) FROM bronze.iot_sales_raw').pluck().get(),
      )
    } finally {
      db.close()
    }
  })

  it('the CLI reads it: status', async () => {
    const status = await runCli(['status', '--json', '--config', writeDaemonConfig(work.path, dataDir, { timezone: 'Europe/Berlin' })])
    expect(status.code, status.stderr).toBe(3) // the daemon is stopped: status says so, and reads the files
    expect(JSON.parse(status.stdout)).toMatchObject({ bronze: { sales: before.get('bronze.iot_sales_raw')!.rows.length } })
  })
})
