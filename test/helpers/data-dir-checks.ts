import Database from 'better-sqlite3'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { GoldRefresher, goldBacklogSql } from '../../src/gold/gold-refresher.js'
import { manifestPath } from '../../src/snapshot/gold-parquet-schema.js'
import type { SnapshotManifest } from '../../src/contract/snapshot-manifest.js'
import { sha256Hex } from '../../src/util/digest.js'
import { dumpGold } from './silver-harness.js'
import { openMigrated } from '../../src/schemas.js'

export interface DataDirFacts {
  bronze: number
  silver: number
  quarantined: number
  snapshots: number
  shipped: number
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]))
}

/** Silver has enriched all bronze holds, and gold has applied all silver's changes. */
export function caughtUp(dataDir: string): boolean {
  const db = openMigrated(dataDir)
  try {
    return (
      db
        .prepare(
          `SELECT (SELECT coalesce(max(id), 0) FROM bronze.iot_sales_raw)
      - coalesce((SELECT value FROM silver.pipeline_state WHERE name = 'bronze_watermark'), 0)
      + ${goldBacklogSql()}`,
        )
        .pluck()
        .get() === 0
    )
  } finally {
    db.close()
  }
}

/**
 * What must hold in a data directory after anything (a crash, a restore, a full disk), once the
 * daemon is stopped after catching up: every file passes integrity_check; every acked sale is in
 * bronze, once; silver and quarantine account for every bronze sale exactly once; gold equals a
 * rebuild from silver; every snapshot on disk matches its manifest; and with `lake` (a directory
 * upload target), every shipped snapshot is there once, whole, with no staged leftovers.
 */
export function expectSoundDataDir(dataDir: string, options: { acked?: Iterable<string>; lake?: string } = {}): DataDirFacts {
  for (const file of ['gateway.db', 'bronze.db', 'silver.db', 'gold.db']) {
    const db = new Database(join(dataDir, file), { readonly: true })
    try {
      expect(db.pragma('integrity_check', { simple: true }), file).toBe('ok')
    } finally {
      db.close()
    }
  }
  const db = openMigrated(dataDir)
  try {
    const count = (sql: string): number => db.prepare(sql).pluck().get() as number
    const eventIds = new Set(db.prepare('SELECT event_id FROM bronze.iot_sales_raw').pluck().all() as string[])
    const bronze = count('SELECT count(*) FROM bronze.iot_sales_raw')
    expect(eventIds.size, 'each event_id once in bronze').toBe(bronze)
    if (options.acked)
      expect(
        [...options.acked].filter((id) => !eventIds.has(id)),
        'acked sales missing from bronze',
      ).toEqual([])

    expect(count("SELECT coalesce((SELECT value FROM silver.pipeline_state WHERE name = 'bronze_watermark'), 0)"), 'silver caught up').toBe(
      count('SELECT coalesce(max(id), 0) FROM bronze.iot_sales_raw'),
    )
    expect(
      count(`SELECT count(*) FROM bronze.iot_sales_raw b WHERE
      (SELECT count(*) FROM silver.sales_enriched e WHERE e.bronze_id = b.id) + (SELECT count(*) FROM silver.sales_quarantine q WHERE q.bronze_id = b.id) <> 1`),
      'bronze sales not in exactly one of silver and quarantine',
    ).toBe(0)

    const gold = dumpGold(db)
    new GoldRefresher(db).rebuild()
    expect(dumpGold(db) === gold, 'gold equals a rebuild from silver').toBe(true)

    const snapshots = db.prepare('SELECT snapshot_id, manifest FROM snapshots WHERE on_disk = 1').all() as { snapshot_id: string; manifest: string }[]
    for (const snapshot of snapshots) {
      const manifest = JSON.parse(snapshot.manifest) as SnapshotManifest
      for (const file of manifest.files) {
        expect(sha256Hex(readFileSync(join(dataDir, 'snapshots', snapshot.snapshot_id, file.path))), file.path).toBe(file.sha256)
      }
    }
    const shipped = db
      .prepare("SELECT s.snapshot_id, s.manifest FROM outbox o JOIN snapshots s USING (snapshot_id) WHERE o.state = 'shipped' AND o.target = 'directory'")
      .all() as { snapshot_id: string; manifest: string }[]
    if (options.lake !== undefined) {
      for (const snapshot of shipped) {
        const manifest = JSON.parse(snapshot.manifest) as SnapshotManifest
        expect(existsSync(join(options.lake, manifestPath(snapshot.snapshot_id))), manifestPath(snapshot.snapshot_id)).toBe(true)
        for (const file of manifest.files) expect(sha256Hex(readFileSync(join(options.lake, file.path))), file.path).toBe(file.sha256)
      }
      const files = existsSync(options.lake) ? walk(options.lake) : []
      expect(
        files.filter((path) => path.includes('.tmp-')),
        'staged leftovers in the lake',
      ).toEqual([])
      // Once: the Parquet files of the shipped snapshots, and none of any other but one in flight:
      // a file of it reached the target before the stop (or crash), it waits for its next upload
      // minute and goes whole then (delivery/outbox.ts), its manifest last.
      const inFlight = db
        .prepare(
          "SELECT s.manifest FROM outbox o JOIN snapshots s USING (snapshot_id) WHERE o.state = 'pending' AND o.started_at IS NOT NULL AND o.target = 'directory'",
        )
        .pluck()
        .all() as string[]
      const filesOf = (manifests: string[]): string[] =>
        manifests.flatMap((manifest) => (JSON.parse(manifest) as SnapshotManifest).files.map((file) => join(options.lake!, file.path)))
      const accounted = new Set([...filesOf(shipped.map((s) => s.manifest)), ...filesOf(inFlight)])
      expect(
        files.filter((path) => path.endsWith('.parquet') && !accounted.has(path)),
        'Parquet files of no shipped snapshot and none in flight',
      ).toEqual([])
    }
    return {
      bronze,
      silver: count('SELECT count(*) FROM silver.sales_enriched'),
      quarantined: count('SELECT count(*) FROM silver.sales_quarantine'),
      snapshots: snapshots.length,
      shipped: shipped.length,
    }
  } finally {
    db.close()
  }
}
