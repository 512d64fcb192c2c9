import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { SqliteDatabase } from '../../src/db/open.js'
import { GOLD_PRIMARY_KEYS, GOLD_TABLE_NAMES } from '../../src/gold/gold-tables.js'
import { GOLD_PARQUET_COLUMNS, manifestPath, partitionPath } from '../../src/snapshot/gold-parquet-schema.js'
import type { SnapshotManifest } from '../../src/contract/snapshot-manifest.js'
import { toParquet, type ColumnSpec } from '../../src/snapshot/parquet-file.js'
import { sha256Hex } from '../../src/util/digest.js'

/** What version 1 put in every file before the data columns: the partition values, typed. */
const V1_PARTITION_COLUMNS: ColumnSpec[] = [
  { name: 'sale_date', kind: 'date' },
  { name: 'store_id', kind: 'text' },
]

/**
 * A snapshot of a store-day as medallion-edge wrote it before snapshot format 2 (the partition
 * columns inside every file too, version 1 metadata), from the day's gold rows. The real writer of
 * that format is the previous release; this reproduces its files for the upgrade tests.
 */
export function writeV1Files(root: string, db: SqliteDatabase, storeId: string, saleDate: string, snapshotId: string, createdAt: string): SnapshotManifest {
  const tables = Object.fromEntries(
    GOLD_TABLE_NAMES.map((table) => [
      table,
      db.prepare(`SELECT * FROM gold.${table} WHERE store_id = ? AND sale_date = ? ORDER BY ${GOLD_PRIMARY_KEYS[table]}`).all(storeId, saleDate) as Record<
        string,
        unknown
      >[],
    ]),
  )
  const files = GOLD_TABLE_NAMES.map((table) => {
    const bytes = toParquet([...V1_PARTITION_COLUMNS, ...GOLD_PARQUET_COLUMNS[table]!], tables[table]!, {
      'medallion.schema_version': '1',
      'medallion.table': table,
      'medallion.snapshot_id': snapshotId,
      'medallion.currency': 'USD',
      'medallion.minor_unit_digits': '2',
      'medallion.amounts': 'integer minor units',
    })
    const path = partitionPath(table, saleDate, storeId, snapshotId)
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), bytes)
    return { table, path, rows: tables[table]!.length, bytes: bytes.byteLength, sha256: sha256Hex(bytes) }
  })
  return {
    snapshot_id: snapshotId,
    store_id: storeId,
    sale_date: saleDate,
    version: Number(snapshotId.split('-v').at(-1)),
    schema_version: 1,
    created_at: createdAt,
    gateway_id: 'an-older-gateway',
    gold_watermark: 0,
    supersedes: null,
    currency: { code: 'USD', minor_unit_digits: 2, amounts: 'integer minor units' },
    content_sha256: sha256Hex(JSON.stringify(tables)),
    files,
  }
}

/** The same, as a lake that an older `pull` filled: files and manifest under the lake root. */
export function writeV1LakeSnapshot(lake: string, db: SqliteDatabase, storeId: string, saleDate: string): SnapshotManifest {
  const manifest = writeV1Files(lake, db, storeId, saleDate, `${storeId}-${saleDate}-v1`, '2025-05-03T00:00:00.000Z')
  mkdirSync(join(lake, '_manifests'), { recursive: true })
  writeFileSync(join(lake, manifestPath(manifest.snapshot_id)), JSON.stringify(manifest, null, 2))
  return manifest
}

/** The same, recorded in a gateway's data directory as its release before format 2 left it (undelivered). */
export function recordV1Snapshot(db: SqliteDatabase, snapshotDir: string, storeId: string, saleDate: string): SnapshotManifest {
  const snapshotId = `${storeId}-${saleDate}-v1`
  const manifest = writeV1Files(join(snapshotDir, snapshotId), db, storeId, saleDate, snapshotId, new Date(Date.now() - 3_600_000).toISOString())
  db.prepare(
    `INSERT INTO snapshots (snapshot_id, store_id, sale_date, version, content_sha256, supersedes, manifest, bytes, created_at)
    VALUES (?, ?, ?, 1, ?, NULL, ?, ?, ?)`,
  ).run(
    snapshotId,
    storeId,
    saleDate,
    manifest.content_sha256,
    JSON.stringify(manifest),
    manifest.files.reduce((sum, file) => sum + file.bytes, 0),
    manifest.created_at,
  )
  return manifest
}
