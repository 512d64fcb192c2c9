import { DuckDBInstance } from '@duckdb/node-api'
import { existsSync, mkdirSync, readdirSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SnapshotBuilder } from '../../src/snapshot/snapshot-builder.js'
import { runCli } from '../helpers/cli.js'
import { writeDaemonConfig } from '../helpers/daemon.js'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { SHIPPED_TABLE_NAMES } from '../../src/gold/gold-tables.js'

describe('medallion-edge snapshot export', () => {
  const h = new SilverHarness()
  const work = makeTempDir()
  let config = ''
  beforeAll(() => {
    h.ingest([seedSale({ timestamp: '2025-05-01T12:00:00Z', price: 12.5 }), seedSale({ timestamp: '2025-05-01T13:00:00Z', price: 1 })])
    h.process()
    h.gold.refreshAll()
    config = writeDaemonConfig(work.path, h.dir.path)
  })
  afterAll(() => {
    h.close()
    work.remove()
  })

  it("copies the day's current snapshot into a lake layout that DuckDB reads", async () => {
    const out = join(work.path, 'out')
    const result = await runCli(['snapshot', 'export', '--date', '2025-05-01', '--out', out, '--config', config])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(new RegExp(`^store_001-2025-05-01-v1: ${SHIPPED_TABLE_NAMES.length} files`))
    expect(readdirSync(join(out, '_manifests'))).toEqual(['store_001-2025-05-01-v1.json'])
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const row = (await duck.runAndReadAll(`SELECT total_amount::INTEGER AS cents FROM read_parquet('${out}/kpi_daily_orders/**/*.parquet')`)).getRowObjects()
    expect(row).toEqual([{ cents: 1350 }])
  })

  it('a day whose files the disk bound removed is a clear error, not a crash', async () => {
    h.db.prepare("UPDATE snapshots SET on_disk = 0 WHERE snapshot_id = 'store_001-2025-05-01-v1'").run()
    const result = await runCli(['snapshot', 'export', '--date', '2025-05-01', '--out', join(work.path, 'out2'), '--config', config])
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toMatch(
      /^medallion-edge: .*store_001-2025-05-01-v1 were delivered and then removed by the disk bound \(snapshot\.maxDiskMiB\)/,
    )
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    h.db.prepare("UPDATE snapshots SET on_disk = 1 WHERE snapshot_id = 'store_001-2025-05-01-v1'").run()
  })

  it('a snapshot run removes temporary directories a crash left, once they are old', () => {
    const dir = join(h.dir.path, 'snapshots')
    const old = join(dir, '.tmp-store_001-2025-04-01-v1-deadbeef')
    const fresh = join(dir, '.tmp-store_001-2025-04-02-v1-cafecafe')
    mkdirSync(join(old, 'kpi_daily_orders'), { recursive: true })
    mkdirSync(fresh, { recursive: true })
    const twoHoursAgo = new Date(Date.now() - 7_200_000)
    utimesSync(old, twoHoursAgo, twoHoursAgo)
    new SnapshotBuilder(h.db, { dir, currency: { code: 'USD', minorUnitDigits: 2 } }).run()
    expect([existsSync(old), existsSync(fresh)]).toEqual([false, true])
  })
})
