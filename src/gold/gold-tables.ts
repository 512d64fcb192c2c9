/**
 * The gold tables' shapes, written once: each column's SQLite type and how the lake types it, and
 * each table's primary key (the order rows are read and shipped in). The API, the writers, the
 * snapshots and the tests take them from here. The DDL itself is in the migrations (schema.ts),
 * which are never edited once released; `test/gold/gold-tables.test.ts` checks that the migrated
 * tables are exactly these.
 *
 * `lake` is the Parquet type of the column in a snapshot (snapshot/parquet-file.ts's kinds):
 * `partition` for the Hive path levels, `text` for dictionary-encoded strings with few values,
 * `string` for mostly distinct ones.
 */
/** Every gold row is one store's day: the two leading key columns, the lake's Hive path levels. */
const STORE_DAY = {
  sale_date: { sql: 'TEXT', lake: 'partition' },
  store_id: { sql: 'TEXT', lake: 'partition' },
} as const

/**
 * Returns and voids beside a group's figures, which are net (docs/gold.md, "Net, gross, returns"):
 * gross_amount - returns_amount = the net amount; voided lines count in voids_count only.
 */
const RETURNS_AND_VOIDS = {
  gross_amount: { sql: 'INTEGER', lake: 'int64' },
  returns_amount: { sql: 'INTEGER', lake: 'int64' },
  returns_count: { sql: 'INTEGER', lake: 'int64' },
  voids_count: { sql: 'INTEGER', lake: 'int64' },
} as const

export const GOLD_TABLES = {
  fact_daily_sales: {
    key: ['sale_date', 'store_id', 'region', 'category'],
    columns: {
      ...STORE_DAY,
      region: { sql: 'TEXT', lake: 'text' },
      category: { sql: 'TEXT', lake: 'text' },
      daily_sales_amount: { sql: 'INTEGER', lake: 'int64' },
      sales_count: { sql: 'INTEGER', lake: 'int64' },
      order_count: { sql: 'INTEGER', lake: 'int64' },
      avg_order_amount: { sql: 'REAL', lake: 'float64' },
      ...RETURNS_AND_VOIDS,
    },
  },
  fact_hourly_sales: {
    key: ['sale_date', 'store_id', 'sale_hour'],
    columns: {
      ...STORE_DAY,
      sale_hour: { sql: 'INTEGER', lake: 'int32' },
      sales_amount: { sql: 'INTEGER', lake: 'int64' },
      sales_count: { sql: 'INTEGER', lake: 'int64' },
      order_count: { sql: 'INTEGER', lake: 'int64' },
      ...RETURNS_AND_VOIDS,
    },
  },
  kpi_revenue_by_region: {
    key: ['sale_date', 'store_id', 'region'],
    columns: {
      ...STORE_DAY,
      region: { sql: 'TEXT', lake: 'text' },
      revenue_amount: { sql: 'INTEGER', lake: 'int64' },
      sales_count: { sql: 'INTEGER', lake: 'int64' },
      order_count: { sql: 'INTEGER', lake: 'int64' },
      avg_order_amount: { sql: 'REAL', lake: 'float64' },
      ...RETURNS_AND_VOIDS,
    },
  },
  kpi_daily_orders: {
    key: ['sale_date', 'store_id'],
    columns: {
      ...STORE_DAY,
      total_amount: { sql: 'INTEGER', lake: 'int64' },
      sales_count: { sql: 'INTEGER', lake: 'int64' },
      units: { sql: 'INTEGER', lake: 'int64' },
      order_count: { sql: 'INTEGER', lake: 'int64' },
      avg_order_amount: { sql: 'REAL', lake: 'float64' },
      avg_units_per_order: { sql: 'REAL', lake: 'float64' },
      ...RETURNS_AND_VOIDS,
    },
  },
  fact_daily_product_sales: {
    key: ['sale_date', 'store_id', 'product_id'],
    columns: {
      ...STORE_DAY,
      product_id: { sql: 'INTEGER', lake: 'int64' },
      product_name: { sql: 'TEXT', lake: 'string' },
      category: { sql: 'TEXT', lake: 'text' },
      sales_amount: { sql: 'INTEGER', lake: 'int64' },
      sales_count: { sql: 'INTEGER', lake: 'int64' },
      units: { sql: 'INTEGER', lake: 'int64' },
      order_count: { sql: 'INTEGER', lake: 'int64' },
      sales_rank: { sql: 'INTEGER', lake: 'int32' },
      last_sale_at: { sql: 'TEXT', lake: 'string' },
      // A voided line was never sold: the product's figures leave it out, with no voids_count.
      gross_amount: { sql: 'INTEGER', lake: 'int64' },
      returns_amount: { sql: 'INTEGER', lake: 'int64' },
      returns_count: { sql: 'INTEGER', lake: 'int64' },
      returned_units: { sql: 'INTEGER', lake: 'int64' },
    },
  },
} as const satisfies Record<string, GoldTable>

/**
 * Gold tables the gateway keeps for itself and never ships: not in the snapshots, the lake or
 * `/api/v1/gold/{table}`. They are kept like the others (one writer, the same recompute, pruned
 * with their day), so `ALL_GOLD_TABLE_NAMES` is what a day's recompute and retention touch.
 */
export const GOLD_LOCAL_TABLES = {
  /** A store-day's sales per device (till): the staff page's "by till" (GET /api/v1/devices). */
  fact_daily_device_sales: {
    key: ['sale_date', 'store_id', 'device_id'],
    columns: {
      ...STORE_DAY,
      device_id: { sql: 'TEXT', lake: 'text' },
      sales_amount: { sql: 'INTEGER', lake: 'int64' },
      sales_count: { sql: 'INTEGER', lake: 'int64' },
      units: { sql: 'INTEGER', lake: 'int64' },
      order_count: { sql: 'INTEGER', lake: 'int64' },
      ...RETURNS_AND_VOIDS,
    },
  },
} as const satisfies Record<string, GoldTable>

/**
 * Stock on hand (docs/inventory.md): shipped like the sales facts, but keyed by `stock_date` and
 * computed by its own refresher (inventory-refresher.ts), not by a day's sales recompute.
 */
export const INVENTORY_TABLES = {
  fact_inventory: {
    key: ['stock_date', 'store_id', 'product_id'],
    columns: {
      stock_date: { sql: 'TEXT', lake: 'partition' },
      store_id: { sql: 'TEXT', lake: 'partition' },
      product_id: { sql: 'INTEGER', lake: 'int64' },
      product_name: { sql: 'TEXT', lake: 'string' },
      category: { sql: 'TEXT', lake: 'text' },
      opening_units: { sql: 'INTEGER', lake: 'int64' },
      received_units: { sql: 'INTEGER', lake: 'int64' },
      sold_units: { sql: 'INTEGER', lake: 'int64' },
      adjusted_units: { sql: 'INTEGER', lake: 'int64' },
      shrink_units: { sql: 'INTEGER', lake: 'int64' },
      closing_units: { sql: 'INTEGER', lake: 'int64' },
      counted: { sql: 'INTEGER', lake: 'int32' },
      uncounted: { sql: 'INTEGER', lake: 'int32' },
      known: { sql: 'INTEGER', lake: 'int32' },
      last_count_at: { sql: 'TEXT', lake: 'string', nullable: true },
      avg_daily_sold_7d: { sql: 'REAL', lake: 'float64' },
      days_of_cover: { sql: 'REAL', lake: 'float64', nullable: true },
      stockout_minutes: { sql: 'INTEGER', lake: 'int64' },
    },
  },
} as const satisfies Record<string, GoldTable>

export interface GoldTable {
  key: readonly string[]
  /** `nullable`: the column may hold NULL (in SQLite and in the lake); the others never do. */
  columns: Record<string, { sql: 'TEXT' | 'INTEGER' | 'REAL'; lake: 'partition' | 'text' | 'string' | 'int32' | 'int64' | 'float64'; nullable?: boolean }>
}

/** A shipped gold table (the lake's). */
export type GoldTableName = keyof typeof GOLD_TABLES
export type GoldLocalTableName = keyof typeof GOLD_LOCAL_TABLES

/** The shipped gold tables, in the order the API lists them and snapshots ship them. */
export const GOLD_TABLE_NAMES = Object.keys(GOLD_TABLES) as GoldTableName[]

/** The tables gold keeps and does not ship. */
export const GOLD_LOCAL_TABLE_NAMES = Object.keys(GOLD_LOCAL_TABLES) as GoldLocalTableName[]

/** Every gold table with rows of a store-day, shipped or not: what recomputing or pruning a day replaces. */
export const ALL_GOLD_TABLE_NAMES: readonly (GoldTableName | GoldLocalTableName)[] = [...GOLD_TABLE_NAMES, ...GOLD_LOCAL_TABLE_NAMES]

/** Every table a snapshot ships, in the order the API lists them and snapshots ship them: the sales facts, then stock. */
export const SHIPPED_TABLES: Record<string, GoldTable> = { ...GOLD_TABLES, ...INVENTORY_TABLES }
export const SHIPPED_TABLE_NAMES = Object.keys(SHIPPED_TABLES)

/** A shipped table's day column (its first key column, the lake's first path level): sale_date, or stock_date. */
export function dayColumnOf(table: string): string {
  return SHIPPED_TABLES[table]!.key[0]!
}

/** A shipped table's primary key as an ORDER BY list. */
export function shippedKeyOf(table: string): string {
  return SHIPPED_TABLES[table]!.key.join(', ')
}

/** Each table's primary key as an ORDER BY list: the order its rows are read in. */
export const GOLD_PRIMARY_KEYS = Object.fromEntries(GOLD_TABLE_NAMES.map((name) => [name, GOLD_TABLES[name].key.join(', ')])) as Record<GoldTableName, string>

/** A table's descriptor, shipped or local. */
export function goldTable(table: GoldTableName | GoldLocalTableName): GoldTable {
  return table in GOLD_TABLES ? GOLD_TABLES[table as GoldTableName] : GOLD_LOCAL_TABLES[table as GoldLocalTableName]
}

/** `INSERT INTO gold.{table}` of every column, in the descriptor's order, as positional parameters. */
export function insertSql(table: GoldTableName | GoldLocalTableName): string {
  const columns = Object.keys(goldTable(table).columns)
  return `INSERT INTO gold.${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`
}
