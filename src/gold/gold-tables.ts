/** The gold tables, for the API and the tests. Their rows are written by gold-writer.ts. */
export const GOLD_TABLE_NAMES = ['fact_daily_sales', 'fact_hourly_sales', 'kpi_revenue_by_region', 'kpi_daily_orders'] as const
