import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pulledSeq } from '../../src/delivery/delivery-state.js'
import { SnapshotBuilder } from '../../src/snapshot/snapshot-builder.js'
import type { SnapshotManifest } from '../../src/contract/snapshot-manifest.js'
import { SnapshotReader } from '../../src/delivery/snapshot-reader.js'
import { seedSale } from '../helpers/sales.js'
import { closedAfterEach, SilverHarness } from '../helpers/silver-harness.js'

const opened = closedAfterEach()

function withThreeDays(): { h: SilverHarness; dir: string; reader: SnapshotReader } {
  const h = opened(new SilverHarness())
  h.ingest(['2025-05-01', '2025-05-02', '2025-05-03'].map((day, i) => seedSale({ timestamp: `${day}T12:00:00Z`, price: i + 1 })))
  h.process()
  h.gold.refreshAll()
  const dir = join(h.dir.path, 'snapshots')
  new SnapshotBuilder(h.db, { dir, currency: { code: 'USD', minorUnitDigits: 2 } }).run()
  return { h, dir, reader: new SnapshotReader(h.db, dir) }
}

describe('what central pulls from', () => {
  it('a listing acknowledges its cursor only when it names this data directory, and never past the last seq', () => {
    const { h, reader } = withThreeDays()
    const { gateway_id: id, last_seq: last } = reader.after(0, 10)
    expect(last).toBe(3)
    reader.after(2, 10) // curl, a monitoring probe: no gateway_id
    expect(pulledSeq(h.db)).toBe(0)
    reader.after(2, 10, 'another-data-directory')
    expect(pulledSeq(h.db)).toBe(0)
    reader.after(99, 10, id) // a cursor from a gateway.db that was newer than this restored one
    expect(pulledSeq(h.db)).toBe(0)
    reader.after(2, 10, id)
    expect(pulledSeq(h.db)).toBe(2)
    reader.after(1, 10, id) // never goes back
    expect(pulledSeq(h.db)).toBe(2)
  })

  it('a file that no longer matches its manifest is 410, and its day is marked to be made again', async () => {
    const { h, dir, reader } = withThreeDays()
    const manifest = reader.after(0, 1).snapshots[0]!.manifest as SnapshotManifest
    const file = manifest.files[0]!
    const served = await reader.file(manifest.snapshot_id, file.path)
    expect(served !== 'gone' && served !== undefined && served.body.byteLength).toBe(file.bytes)
    const path = join(dir, manifest.snapshot_id, file.path)
    const bytes = readFileSync(path)
    bytes[10]! ^= 0xff
    writeFileSync(path, bytes)
    expect(await reader.file(manifest.snapshot_id, file.path)).toBe('gone')
    expect(h.db.prepare('SELECT damaged FROM snapshots WHERE snapshot_id = ?').pluck().get(manifest.snapshot_id)).toBe(1)
    expect(await reader.file(manifest.snapshot_id, 'kpi_daily_orders/../../../gateway.db')).toBeUndefined()
  })
})
