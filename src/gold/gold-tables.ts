/** The gold tables, for the API, the snapshots and the tests. Their rows are written by gold-writer.ts. */
export const GOLD_TABLE_NAMES = ['fact_daily_sales', 'fact_hourly_sales', 'kpi_revenue_by_region', 'kpi_daily_orders', 'fact_daily_product_sales'] as const

export type GoldTableName = (typeof GOLD_TABLE_NAMES)[number]

/** Each table's primary key (schema.ts), the order its rows are read in. */
export const GOLD_PRIMARY_KEYS: Record<GoldTableName, string> = {
  fact_daily_sales: 'sale_date, store_id, region, category',
  fact_hourly_sales: 'sale_date, store_id, sale_hour',
  kpi_revenue_by_region: 'sale_date, store_id, region',
  kpi_daily_orders: 'sale_date, store_id',
  fact_daily_product_sales: 'sale_date, store_id, product_id',
}
