import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { Outbox } from '../../src/delivery/outbox.js'
import { enforceDiskBound } from '../../src/delivery/disk-bound.js'
import { takeSnapshots } from '../../src/jobs/take-snapshots.js'
import { DirectoryTarget } from '../../src/delivery/targets/directory-target.js'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'
import { makeTempDir } from '../helpers/temp-dir.js'

describe('the snapshot disk bound', () => {
  it('frees delivered snapshots (superseded first), never unshipped ones, and refuses new snapshots when only those are left', async () => {
    const h = new SilverHarness()
    const lake = makeTempDir()
    const config = configSchema.parse({ dataDir: h.dir.path, snapshot: { maxDiskMiB: 1 }, upload: { target: 'directory', directory: { path: lake.path } } })
    const dir = join(h.dir.path, 'snapshots')
    const day = (date: string, price: number): void => {
      h.ingest([seedSale({ timestamp: `${date}T12:00:00Z`, price })])
      h.process()
      h.gold.refreshAll()
    }
    day('2025-05-01', 1)
    day('2025-05-02', 2)
    takeSnapshots(h.db, config)
    await new Outbox(h.db, { dir, retry: { baseDelayMs: 1, maxDelayMs: 1 } }).shipDue([new DirectoryTarget(lake.path)])
    day('2025-05-01', 3) // late data: v2 of 1 May, not shipped yet
    takeSnapshots(h.db, config)
    const bytes = h.db.prepare('SELECT sum(bytes) FROM snapshots').pluck().get() as number

    // A bound that holds all but one snapshot: the delivered, superseded v1 of 1 May goes first.
    const first = enforceDiskBound(h.db, dir, bytes - 1, 'push')
    expect(first).toMatchObject({ full: false })
    expect(existsSync(join(dir, 'store_001-2025-05-01-v1'))).toBe(false)
    expect(h.db.prepare('SELECT snapshot_id FROM snapshots WHERE on_disk = 0').pluck().all()).toEqual(['store_001-2025-05-01-v1'])

    // A bound smaller than the unshipped v2 alone: the delivered 2 May goes, v2 stays, and it is full.
    const second = enforceDiskBound(h.db, dir, 1, 'push')
    expect(second.full).toBe(true)
    expect(existsSync(join(dir, 'store_001-2025-05-01-v2'))).toBe(true)
    expect(existsSync(join(dir, 'store_001-2025-05-02-v1'))).toBe(false)
    h.db.prepare('UPDATE snapshots SET bytes = 2 * 1048576 WHERE snapshot_id = ?').run('store_001-2025-05-01-v2') // pretend it is big
    day('2025-05-03', 4)
    expect(() => takeSnapshots(h.db, config)).toThrow(/disk bound reached .* by snapshots not delivered yet/)
    expect(h.db.prepare("SELECT count(*) FROM snapshots WHERE sale_date = '2025-05-03'").pluck().get()).toBe(0)
    h.close()
    lake.remove()
  })
})
