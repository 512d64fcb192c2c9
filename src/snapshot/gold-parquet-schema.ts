import type { SnapshotManifest } from '../contract/snapshot-manifest.js'
import { dayColumnOf, SHIPPED_TABLE_NAMES, SHIPPED_TABLES } from '../gold/gold-tables.js'
import type { ColumnSpec } from './parquet-file.js'

/**
 * The snapshot format. 1: `sale_date` and `store_id` were in every file as well as in the path,
 * with types that differ from what readers infer from a Hive path (pyarrow and DataFusion refuse
 * to merge them). 2: they are in the path only, as the Hive convention means it, and in each file's
 * metadata (`medallion.sale_date`, `medallion.store_id`) for a reader of one file. 3: returns and
 * voids (docs/snapshots.md): the amounts are net, with `gross_amount`, `returns_amount`,
 * `returns_count` and `voids_count` (the products: `returned_units`) after format 2's columns.
 */
export const SNAPSHOT_SCHEMA_VERSION = 3

/**
 * The Parquet columns of each gold table, from the gold tables' descriptor (gold/gold-tables.ts):
 * every column but the partition levels, typed as the descriptor's `lake` says. Amounts are 64-bit
 * integers of minor units (cents with 2 digits: the currency and its digits are in each file's
 * metadata); `avg_*` are doubles derived from them.
 */
export const GOLD_PARQUET_COLUMNS: Record<string, readonly ColumnSpec[]> = Object.fromEntries(
  SHIPPED_TABLE_NAMES.map((table) => [
    table,
    Object.entries(SHIPPED_TABLES[table]!.columns).flatMap(([name, { lake, nullable }]) =>
      lake === 'partition' ? [] : [nullable ? { name, kind: lake, nullable } : { name, kind: lake }],
    ),
  ]),
)

/** The file of one table of one snapshot, relative to the lake's root (Hive layout). */
export function partitionPath(table: string, saleDate: string, storeId: string, snapshotId: string): string {
  return `${table}/${dayColumnOf(table)}=${saleDate}/store_id=${storeId}/part-${snapshotId}.parquet`
}

/** Where a snapshot's manifest goes, next to the tables. */
export function manifestPath(snapshotId: string): string {
  return `_manifests/${snapshotId}.json`
}

/**
 * The key-value metadata of a snapshot file: in the footer and in the embedded Arrow schema
 * (parquet-file.ts), so each engine shows it where its users look.
 */
export function fileMetadata(manifest: Pick<SnapshotManifest, 'snapshot_id' | 'sale_date' | 'store_id' | 'currency'>, table: string): Record<string, string> {
  return {
    'medallion.schema_version': String(SNAPSHOT_SCHEMA_VERSION),
    'medallion.table': table,
    'medallion.snapshot_id': manifest.snapshot_id,
    'medallion.currency': manifest.currency.code,
    'medallion.minor_unit_digits': String(manifest.currency.minor_unit_digits),
    'medallion.amounts': 'integer minor units',
    // The partition values, for a reader of one file (they are not columns since version 2).
    'medallion.sale_date': manifest.sale_date,
    'medallion.store_id': manifest.store_id,
  }
}
