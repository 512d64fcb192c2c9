/**
 * The gold tables as aggregates of silver.sales_enriched. Each is computed by one statement with a
 * filter on silver: the incremental refresh (one store and day), the full rebuild (a date range)
 * and the tests all run the same text, so their results are the same to the byte.
 *
 * An order is (device, order_id): order ids are a till's own numbering; a sale without one is its
 * own order.
 */
const ORDERED_SALES = `SELECT *, coalesce(device_id || '/' || order_id, '#' || bronze_id) AS order_key FROM silver.sales_enriched`

export interface GoldTable {
  name: string
  /** Primary key columns, in order: the grain. */
  grain: readonly string[]
  /** INSERT ... SELECT of the rows for silver rows matching `where` (a condition on silver columns). */
  insert(where: string): string
}

function table(name: string, grain: readonly string[], measures: string, columns: string): GoldTable {
  return {
    name,
    grain,
    insert: (where) => `INSERT INTO gold.${name} (${[...grain, columns].join(', ')})
      SELECT ${grain.join(', ')}, ${measures}
      FROM (${ORDERED_SALES} WHERE ${where})
      GROUP BY ${grain.join(', ')}`,
  }
}

export const GOLD_TABLES: readonly GoldTable[] = [
  table('fact_daily_sales', ['sale_date', 'store_id', 'region', 'category'],
    'sum(amount_minor), count(*), count(DISTINCT order_key), sum(amount_minor) * 1.0 / count(DISTINCT order_key)',
    'daily_sales_amount, sales_count, order_count, avg_order_amount'),
  table('fact_hourly_sales', ['sale_date', 'store_id', 'sale_hour'],
    'sum(amount_minor), count(*), count(DISTINCT order_key)',
    'sales_amount, sales_count, order_count'),
  table('kpi_revenue_by_region', ['sale_date', 'store_id', 'region'],
    'sum(amount_minor), count(*), count(DISTINCT order_key), sum(amount_minor) * 1.0 / count(DISTINCT order_key)',
    'revenue_amount, sales_count, order_count, avg_order_amount'),
  table('kpi_daily_orders', ['sale_date', 'store_id'],
    'sum(amount_minor), count(*), sum(quantity), count(DISTINCT order_key), sum(amount_minor) * 1.0 / count(DISTINCT order_key), sum(quantity) * 1.0 / count(DISTINCT order_key)',
    'total_amount, sales_count, units, order_count, avg_order_amount, avg_units_per_order'),
]

export const GOLD_TABLE_NAMES = GOLD_TABLES.map((gold) => gold.name)
