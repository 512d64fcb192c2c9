import { DuckDBInstance } from '@duckdb/node-api'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dayColumnOf, SHIPPED_TABLE_NAMES } from '../../src/gold/gold-tables.js'
import { SnapshotBuilder } from '../../src/snapshot/snapshot-builder.js'
import { sha256Hex } from '../../src/util/digest.js'
import type { SnapshotManifest } from '../../src/contract/snapshot-manifest.js'
import { SnapshotReader } from '../../src/delivery/snapshot-reader.js'
import { seedSale } from '../helpers/sales.js'
import { closedAfterEach, SilverHarness } from '../helpers/silver-harness.js'
import { openMigrated } from '../../src/schemas.js'

const opened = closedAfterEach()

const OPTIONS = { currency: { code: 'USD', minorUnitDigits: 2 }, targets: [] as string[] }

function sale(h: SilverHarness, time: string, price: number): void {
  h.ingest([seedSale({ timestamp: `2025-05-01T${time}:00Z`, price })])
  h.process()
  h.gold.refreshAll()
}

describe('the snapshot builder', () => {
  it('a version recorded by another process while a day is read never leaves an older state current', () => {
    const h = opened(new SilverHarness())
    const dir = join(h.dir.path, 'snapshots')
    const exportDb = openMigrated(h.dir.path) // a `snapshot export` next to the daemon
    const workerDb = openMigrated(h.dir.path)
    try {
      sale(h, '10:00', 1)
      new SnapshotBuilder(h.db, { dir, ...OPTIONS }).run() // v1
      sale(h, '11:00', 2)
      const worker = new SnapshotBuilder(workerDb, { dir, ...OPTIONS })
      const readDay = worker.readDay.bind(worker)
      let interleaved = false
      worker.readDay = (storeId, saleDate) => {
        const tables = readDay(storeId, saleDate)
        if (!interleaved) {
          interleaved = true
          // Gold moves on and the export records it, between the worker's read and its record.
          sale(h, '12:00', 4)
          new SnapshotBuilder(exportDb, { dir, ...OPTIONS }).currentSnapshot('store_001', '2025-05-01')
        }
        return tables
      }
      worker.run()
      const current = h.db.prepare("SELECT snapshot_id, content_sha256 FROM snapshots WHERE sale_date = '2025-05-01' ORDER BY version DESC LIMIT 1").get() as {
        snapshot_id: string
        content_sha256: string
      }
      expect(current.content_sha256).toBe(sha256Hex(JSON.stringify(new SnapshotBuilder(h.db, { dir, ...OPTIONS }).readDay('store_001', '2025-05-01'))))
      expect(current.snapshot_id).toBe('store_001-2025-05-01-v2')
    } finally {
      exportDb.close()
      workerDb.close()
    }
  })

  it("ships the lake's tables only: gold's sales by device stay on the gateway", () => {
    const h = opened(new SilverHarness())
    sale(h, '10:00', 1)
    expect(h.db.prepare('SELECT device_id, sales_count FROM gold.fact_daily_device_sales').raw().all()).toEqual([['abc123', 1]])
    const [manifest] = new SnapshotBuilder(h.db, { dir: join(h.dir.path, 'snapshots'), ...OPTIONS }).run().created as [SnapshotManifest]
    expect(manifest.files.map((file) => file.table)).toEqual(SHIPPED_TABLE_NAMES)
    expect(manifest.files.map((file) => file.table)).not.toContain('fact_daily_device_sales')
  })

  it('a day that lost all its gold rows gets a version of empty files, which DuckDB reads as no rows', async () => {
    const h = opened(new SilverHarness())
    const dir = join(h.dir.path, 'snapshots')
    sale(h, '10:00', 1)
    const builder = new SnapshotBuilder(h.db, { dir, ...OPTIONS })
    builder.run()
    // As when a rebuild moves the day's only sale to another date (a store's time zone corrected).
    for (const table of SHIPPED_TABLE_NAMES) {
      h.db.prepare(`DELETE FROM gold.${table} WHERE ${dayColumnOf(table)} = '2025-05-01'`).run()
    }
    h.db.prepare("INSERT INTO gold.refreshed_days (store_id, sale_date) VALUES ('store_001', '2025-05-01')").run()
    const [manifest] = builder.run().created as [SnapshotManifest]
    expect(manifest).toMatchObject({ snapshot_id: 'store_001-2025-05-01-v2', supersedes: 'store_001-2025-05-01-v1' })
    expect(manifest.files.map((file) => file.rows)).toEqual(SHIPPED_TABLE_NAMES.map(() => 0))
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const count = (
      await duck.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(dir, manifest.snapshot_id, manifest.files[0]!.path)}')`)
    ).getRowObjects()
    expect(count).toEqual([{ n: 0 }])
  })

  it('created_at never goes back between versions, and names the data directory', () => {
    const h = opened(new SilverHarness())
    const dir = join(h.dir.path, 'snapshots')
    let now = Date.parse('2025-05-02T10:00:00Z')
    const builder = new SnapshotBuilder(h.db, { dir, ...OPTIONS, now: () => now })
    sale(h, '10:00', 1)
    const [v1] = builder.run().created as [SnapshotManifest]
    now -= 3_600_000 // the clock stepped back
    sale(h, '11:00', 1)
    const [v2] = builder.run().created as [SnapshotManifest]
    expect(v2.created_at > v1.created_at).toBe(true)
    expect(v2.gateway_id).toBe(new SnapshotReader(h.db, dir).after(0, 1).gateway_id)
  })
})
