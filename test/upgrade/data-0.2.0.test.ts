import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { SnapshotManifest } from '../../src/contract/snapshot-manifest.js'
import { GoldRefresher } from '../../src/gold/gold-refresher.js'
import { openMigrated } from '../../src/schemas.js'
import { SNAPSHOT_SCHEMA_VERSION } from '../../src/snapshot/gold-parquet-schema.js'
import { expectSoundDataDir } from '../helpers/data-dir-checks.js'
import { PROGRESS, readTables, type TableRows } from '../helpers/release-data.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { dumpGold } from '../helpers/silver-harness.js'
import { makeTempDir } from '../helpers/temp-dir.js'

// Made by `node test/fixtures/make-data.mjs 0.2.0 2547d1d` with release 0.2.0 as it was before
// returns and voids (issue 22; see test/fixtures/README.md).
const FIXTURE = fileURLToPath(new URL('../fixtures/data-0.2.0.tar.gz', import.meta.url))
const AMOUNTS: Record<string, string> = {
  fact_daily_sales: 'daily_sales_amount',
  fact_hourly_sales: 'sales_amount',
  kpi_revenue_by_region: 'revenue_amount',
  kpi_daily_orders: 'total_amount',
  fact_daily_product_sales: 'sales_amount',
  fact_daily_device_sales: 'sales_amount',
}

describe('a data directory written by release 0.2.0 (before returns and voids)', () => {
  const work = makeTempDir('medallion-upgrade-')
  const dataDir = join(work.path, 'data')
  const lake = join(work.path, 'lake')
  let before: Map<string, TableRows>
  let gw: RunningGateway

  beforeAll(async () => {
    execFileSync('tar', ['-xzf', FIXTURE, '-C', work.path])
    before = readTables(dataDir)
    // The config 0.2.0 ran with (test/fixtures/make-data.mjs), on this release.
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

  it('the fixture is what 0.2.0 made: gold without returns, format-2 snapshots, a pending upload', () => {
    expect(before.get('bronze.iot_sales_raw')!.rows.length).toBeGreaterThan(1000)
    expect(before.has('bronze.iot_sale_voids')).toBe(false)
    expect(before.has('bronze.iot_inventory_raw')).toBe(false)
    expect(before.has('gold.fact_inventory')).toBe(false)
    expect(before.get('gold.kpi_daily_orders')!.columns).not.toContain('gross_amount')
    expect(before.get('main.snapshots')!.rows.every((row) => row.includes('\\"schema_version\\":2'))).toBe(true)
    expect(before.get('main.outbox')!.rows.some((row) => row.includes('"pending"'))).toBe(true)
  })

  it("opens with this release: each day's snapshot made again in format 3 and shipped, the data sound", async () => {
    const db = openMigrated(dataDir)
    const query = <T>(sql: string): T[] => db.prepare(sql).all() as T[]
    try {
      await vi.waitUntil(
        () =>
          query<{ manifest: string }>(`SELECT manifest FROM snapshots s WHERE version =
          (SELECT max(version) FROM snapshots l WHERE l.store_id = s.store_id AND l.sale_date = s.sale_date)`).every(
            (row) => (JSON.parse(row.manifest) as SnapshotManifest).schema_version === SNAPSHOT_SCHEMA_VERSION,
          ),
        { timeout: 30_000, interval: 100 },
      )
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

  it('keeps every row 0.2.0 wrote, column for column: every gold figure unchanged', () => {
    const after = readTables(dataDir, before)
    for (const [key, old] of before) {
      if (PROGRESS.has(key)) continue
      const kept = new Set(after.get(key)?.rows)
      expect(
        old.rows.filter((row) => !kept.has(row)),
        `${key}: rows 0.2.0 wrote that are gone or changed`,
      ).toEqual([])
    }
  })

  it('gold beside its figures: gross = net, no returns, no voids; and it equals a rebuild to the byte', () => {
    const db = openMigrated(dataDir)
    try {
      for (const [table, amount] of Object.entries(AMOUNTS)) {
        const last = table === 'fact_daily_product_sales' ? 'returned_units' : 'voids_count'
        const rows = db
          .prepare(`SELECT count(*) AS n, sum(gross_amount = ${amount}) AS gross, sum(returns_amount + returns_count + ${last}) AS other FROM gold.${table}`)
          .get() as {
          n: number
          gross: number
          other: number
        }
        expect(rows.n, table).toBeGreaterThan(0)
        expect(rows, table).toEqual({ n: rows.n, gross: rows.n, other: 0 })
      }
      const upgraded = dumpGold(db)
      new GoldRefresher(db).rebuild()
      expect(dumpGold(db)).toBe(upgraded)
      // Inventory (issue 23): its tables there and empty, no stock made up from the sales.
      for (const table of ['bronze.iot_inventory_raw', 'silver.inventory_movements', 'gold.fact_inventory'])
        expect([table, db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()]).toEqual([table, 0])
    } finally {
      db.close()
    }
  })
})
