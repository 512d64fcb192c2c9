import type { SnapshotManifest } from './manifest.js'
import type { ColumnSpec } from './parquet-file.js'

/**
 * The snapshot format. 1: `sale_date` and `store_id` were in every file as well as in the path,
 * with types that differ from what readers infer from a Hive path (pyarrow and DataFusion refuse
 * to merge them). 2: they are in the path only, as the Hive convention means it, and in each file's
 * metadata (`medallion.sale_date`, `medallion.store_id`) for a reader of one file.
 */
export const SNAPSHOT_SCHEMA_VERSION = 2

/** The Hive partition levels of a file's path; since version 2 not columns of the files. */
export const PARTITION_COLUMNS = ['sale_date', 'store_id'] as const

/**
 * The Parquet columns of each gold table. Amounts are 64-bit integers of minor units (cents with
 * 2 digits: the currency and its digits are in each file's metadata); `avg_*` are doubles derived
 * from them.
 */
export const GOLD_PARQUET_COLUMNS: Record<string, readonly ColumnSpec[]> = {
  fact_daily_sales: [
    { name: 'region', kind: 'text' },
    { name: 'category', kind: 'text' },
    { name: 'daily_sales_amount', kind: 'int64' },
    { name: 'sales_count', kind: 'int64' },
    { name: 'order_count', kind: 'int64' },
    { name: 'avg_order_amount', kind: 'float64' },
  ],
  fact_hourly_sales: [
    { name: 'sale_hour', kind: 'int32' },
    { name: 'sales_amount', kind: 'int64' },
    { name: 'sales_count', kind: 'int64' },
    { name: 'order_count', kind: 'int64' },
  ],
  kpi_revenue_by_region: [
    { name: 'region', kind: 'text' },
    { name: 'revenue_amount', kind: 'int64' },
    { name: 'sales_count', kind: 'int64' },
    { name: 'order_count', kind: 'int64' },
    { name: 'avg_order_amount', kind: 'float64' },
  ],
  kpi_daily_orders: [
    { name: 'total_amount', kind: 'int64' },
    { name: 'sales_count', kind: 'int64' },
    { name: 'units', kind: 'int64' },
    { name: 'order_count', kind: 'int64' },
    { name: 'avg_order_amount', kind: 'float64' },
    { name: 'avg_units_per_order', kind: 'float64' },
  ],
  fact_daily_product_sales: [
    { name: 'product_id', kind: 'int64' },
    { name: 'product_name', kind: 'string' },
    { name: 'category', kind: 'text' },
    { name: 'sales_amount', kind: 'int64' },
    { name: 'sales_count', kind: 'int64' },
    { name: 'units', kind: 'int64' },
    { name: 'order_count', kind: 'int64' },
    { name: 'sales_rank', kind: 'int32' },
    { name: 'last_sale_at', kind: 'string' },
  ],
}

/** The file of one table of one snapshot, relative to the lake's root (Hive layout). */
export function partitionPath(table: string, saleDate: string, storeId: string, snapshotId: string): string {
  return `${table}/sale_date=${saleDate}/store_id=${storeId}/part-${snapshotId}.parquet`
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
