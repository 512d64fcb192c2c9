import type { ColumnSpec } from './parquet-file.js'

/**
 * The Parquet columns of each gold table. Amounts are 64-bit integers of minor units (cents with
 * 2 digits: the currency and its digits are in each file's metadata); `avg_*` are doubles derived
 * from them. `sale_date` and `store_id` are also Hive partition levels of the file's path.
 */
export const SNAPSHOT_SCHEMA_VERSION = 1

const partition: ColumnSpec[] = [
  { name: 'sale_date', kind: 'date' },
  { name: 'store_id', kind: 'text' },
]

export const GOLD_PARQUET_COLUMNS: Record<string, readonly ColumnSpec[]> = {
  fact_daily_sales: [...partition,
    { name: 'region', kind: 'text' }, { name: 'category', kind: 'text' },
    { name: 'daily_sales_amount', kind: 'int64' }, { name: 'sales_count', kind: 'int64' },
    { name: 'order_count', kind: 'int64' }, { name: 'avg_order_amount', kind: 'float64' }],
  fact_hourly_sales: [...partition,
    { name: 'sale_hour', kind: 'int32' },
    { name: 'sales_amount', kind: 'int64' }, { name: 'sales_count', kind: 'int64' }, { name: 'order_count', kind: 'int64' }],
  kpi_revenue_by_region: [...partition,
    { name: 'region', kind: 'text' },
    { name: 'revenue_amount', kind: 'int64' }, { name: 'sales_count', kind: 'int64' },
    { name: 'order_count', kind: 'int64' }, { name: 'avg_order_amount', kind: 'float64' }],
  kpi_daily_orders: [...partition,
    { name: 'total_amount', kind: 'int64' }, { name: 'sales_count', kind: 'int64' }, { name: 'units', kind: 'int64' },
    { name: 'order_count', kind: 'int64' }, { name: 'avg_order_amount', kind: 'float64' }, { name: 'avg_units_per_order', kind: 'float64' }],
  fact_daily_product_sales: [...partition,
    { name: 'product_id', kind: 'int64' }, { name: 'product_name', kind: 'string' }, { name: 'category', kind: 'text' },
    { name: 'sales_amount', kind: 'int64' }, { name: 'sales_count', kind: 'int64' }, { name: 'units', kind: 'int64' },
    { name: 'order_count', kind: 'int64' }, { name: 'sales_rank', kind: 'int32' }, { name: 'last_sale_at', kind: 'string' }],
}

/** The file of one table of one snapshot, relative to the lake's root (Hive layout). */
export function partitionPath(table: string, saleDate: string, storeId: string, snapshotId: string): string {
  return `${table}/sale_date=${saleDate}/store_id=${storeId}/part-${snapshotId}.parquet`
}

/** Where a snapshot's manifest goes, next to the tables. */
export function manifestPath(snapshotId: string): string {
  return `_manifests/${snapshotId}.json`
}
