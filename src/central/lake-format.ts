import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { sha256Hex } from '../util/digest.js'
import { fsyncPath, stageFileDurable, writeFileDurable } from '../util/durable-fs.js'
import { fileMetadata, GOLD_PARQUET_COLUMNS, SNAPSHOT_SCHEMA_VERSION } from '../snapshot/gold-parquet-schema.js'
import type { SnapshotManifest } from '../contract/snapshot-manifest.js'
import { readTable, writeTable } from '../snapshot/parquet-file.js'
import { makeVector, Table, type Vector } from 'apache-arrow'

/**
 * Format 3 added returns and voids after format 2's columns. A file of before it had no return
 * (gateways refused them): its gross is its amount, and its returns, voids and returned units 0.
 */
const FORMAT_2_AMOUNT: Record<string, string> = {
  fact_daily_sales: 'daily_sales_amount',
  fact_hourly_sales: 'sales_amount',
  kpi_revenue_by_region: 'revenue_amount',
  kpi_daily_orders: 'total_amount',
  fact_daily_product_sales: 'sales_amount',
}

/** The table with format 3's columns that a format 1 or 2 file lacks, as they were then. */
function withReturnColumns(table: Table, name: string, columns: readonly string[]): Table {
  if (columns.every((column) => table.getChild(column) !== null)) return table
  const vectors: Record<string, Vector> = {}
  for (const column of columns) {
    const present = table.getChild(column)
    if (present !== null) vectors[column] = present
    else if (column === 'gross_amount') vectors[column] = table.getChild(FORMAT_2_AMOUNT[name]!)!
    else vectors[column] = makeVector(new BigInt64Array(table.numRows))
  }
  return new Table(vectors)
}

/** A manifest as the lake keeps it after `pull` rewrote its files in the current format. */
export interface UpgradedManifest extends SnapshotManifest {
  /** The format the gateway made the snapshot in (its files' SHA-256 in the gateway's manifest). */
  upgraded_from_schema_version?: number
}

/**
 * One file of an older snapshot format in the current one: its data columns only (version 1 also
 * had the partition columns, which engines refuse to merge with the path's), the columns of
 * version 3 added as they were before it, today's metadata.
 */
export function upgradeFile(bytes: Uint8Array, table: string, manifest: SnapshotManifest): Uint8Array {
  const columns = GOLD_PARQUET_COLUMNS[table]?.map((column) => column.name)
  if (columns === undefined) throw new Error(`${manifest.snapshot_id}: no gold table ${table} in this version of medallion-edge`)
  const read = readTable(bytes)
  return writeTable(withReturnColumns(read.select(columns.filter((column) => read.getChild(column) !== null)), table, columns), fileMetadata(manifest, table))
}

/** The manifest of a snapshot whose files were rewritten: same snapshot, current format, new digests. */
export function upgradedManifest(manifest: SnapshotManifest, files: Map<string, Uint8Array>): UpgradedManifest {
  return {
    ...manifest,
    schema_version: SNAPSHOT_SCHEMA_VERSION,
    upgraded_from_schema_version: manifest.schema_version,
    files: manifest.files.map((file) => {
      const bytes = files.get(file.path)
      return bytes === undefined ? file : { ...file, bytes: bytes.byteLength, sha256: sha256Hex(bytes) }
    }),
  }
}

const MARKER = join('_pull', 'format.json')

export interface LakeUpgrade {
  /** Files rewritten in the current format. */
  rewritten: number
  /** Snapshots that could not be (a file the disk damaged): `pull` reports them, and tries again next time. */
  failed: string[]
}

/**
 * Brings a lake that `pull` filled before the current snapshot format up to it, once: every file
 * of an older-format manifest still in the lake is rewritten in place (staged under a hidden name,
 * fsynced, renamed), then its manifest. A marker records that the lake is done, once every snapshot
 * could be; snapshots of older gateways that land later are rewritten as they land. A snapshot that
 * fails is reported and left as it is: the others, and the pull itself, go on.
 */
export function upgradeLake(lake: string): LakeUpgrade {
  const result: LakeUpgrade = { rewritten: 0, failed: [] }
  const marker = join(lake, MARKER)
  if (existsSync(marker) && (JSON.parse(readFileSync(marker, 'utf8')) as { schema_version: number }).schema_version >= SNAPSHOT_SCHEMA_VERSION) return result
  const manifests = join(lake, '_manifests')
  for (const name of existsSync(manifests) ? readdirSync(manifests).filter((entry) => entry.endsWith('.json')) : []) {
    try {
      const manifest = JSON.parse(readFileSync(join(manifests, name), 'utf8')) as SnapshotManifest
      if (manifest.schema_version >= SNAPSHOT_SCHEMA_VERSION) continue
      // Files of a superseded version were removed by the pull that landed the newer one.
      const present = manifest.files.filter((file) => existsSync(join(lake, file.path)))
      const upgraded = new Map(present.map((file) => [file.path, upgradeFile(readFileSync(join(lake, file.path)), file.table, manifest)]))
      const staged = [...upgraded].map(([path, bytes]) => ({ temp: stageFileDurable(join(lake, path), bytes), path: join(lake, path) }))
      for (const file of staged) renameSync(file.temp, file.path)
      for (const directory of new Set(staged.map((file) => dirname(file.path)))) fsyncPath(directory)
      writeFileDurable(join(manifests, name), JSON.stringify(upgradedManifest(manifest, upgraded), null, 2))
      result.rewritten += staged.length
    } catch (error) {
      result.failed.push(`${name}: ${(error as Error).message}`)
    }
  }
  if (result.failed.length === 0) writeFileDurable(marker, JSON.stringify({ schema_version: SNAPSHOT_SCHEMA_VERSION }))
  return result
}
