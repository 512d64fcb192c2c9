import type { Migrations } from '../db/migrate.js'

/**
 * gold.db: daily facts and KPIs at the seed's grain, recomputed per (store, day) from silver.
 * Amounts are integer minor units; avg_* columns are derived (REAL).
 */
export const GOLD_MIGRATIONS: Migrations = [
  `
  CREATE TABLE {schema}.fact_daily_sales (
    sale_date TEXT NOT NULL,           -- store-local date
    store_id TEXT NOT NULL,
    region TEXT NOT NULL,              -- the customer's region (Anonymous, Unknown included)
    category TEXT NOT NULL,
    daily_sales_amount INTEGER NOT NULL,
    sales_count INTEGER NOT NULL,      -- sale lines
    order_count INTEGER NOT NULL,      -- distinct orders with a line in this group
    avg_order_amount REAL NOT NULL,    -- daily_sales_amount / order_count
    PRIMARY KEY (sale_date, store_id, region, category)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE {schema}.fact_hourly_sales (
    sale_date TEXT NOT NULL,
    store_id TEXT NOT NULL,
    sale_hour INTEGER NOT NULL,        -- store-local hour, 0-23
    sales_amount INTEGER NOT NULL,
    sales_count INTEGER NOT NULL,
    order_count INTEGER NOT NULL,
    PRIMARY KEY (sale_date, store_id, sale_hour)
  ) STRICT, WITHOUT ROWID;

  -- The seed's KPI: revenue by region per day.
  CREATE TABLE {schema}.kpi_revenue_by_region (
    sale_date TEXT NOT NULL,
    store_id TEXT NOT NULL,
    region TEXT NOT NULL,
    revenue_amount INTEGER NOT NULL,
    sales_count INTEGER NOT NULL,
    order_count INTEGER NOT NULL,
    avg_order_amount REAL NOT NULL,
    PRIMARY KEY (sale_date, store_id, region)
  ) STRICT, WITHOUT ROWID;

  -- The seed's KPI: average order size per day (and the store's day totals).
  CREATE TABLE {schema}.kpi_daily_orders (
    sale_date TEXT NOT NULL,
    store_id TEXT NOT NULL,
    total_amount INTEGER NOT NULL,
    sales_count INTEGER NOT NULL,
    units INTEGER NOT NULL,            -- sum of quantities
    order_count INTEGER NOT NULL,
    avg_order_amount REAL NOT NULL,
    avg_units_per_order REAL NOT NULL,
    PRIMARY KEY (sale_date, store_id)
  ) STRICT, WITHOUT ROWID;

  -- Store-days gold rewrote, in order: snapshots read it to know what to ship again.
  CREATE TABLE {schema}.refreshed_days (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id TEXT NOT NULL,
    sale_date TEXT NOT NULL
  ) STRICT;

  -- Named values: the silver day_changes seq gold has consumed, when gold last caught up.
  CREATE TABLE {schema}.pipeline_state (
    name TEXT PRIMARY KEY,
    value ANY
  ) STRICT;
  `,
  `
  -- Every product sold in a store-day, ranked: the day's top products are sales_rank <= N.
  CREATE TABLE {schema}.fact_daily_product_sales (
    sale_date TEXT NOT NULL,
    store_id TEXT NOT NULL,
    product_id INTEGER NOT NULL,
    product_name TEXT NOT NULL,        -- as dim_product named it at the product's last sale of the day
    category TEXT NOT NULL,            -- likewise ('Unknown' both, while the product is unknown)
    sales_amount INTEGER NOT NULL,
    sales_count INTEGER NOT NULL,      -- sale lines
    units INTEGER NOT NULL,            -- sum of quantities
    order_count INTEGER NOT NULL,      -- distinct orders with a line of this product
    sales_rank INTEGER NOT NULL,       -- 1: the day's best seller by amount (ties: more units, then lower product_id)
    last_sale_at TEXT NOT NULL,        -- the product's last sale of the day, UTC ISO 8601
    PRIMARY KEY (sale_date, store_id, product_id)
  ) STRICT, WITHOUT ROWID;
  -- The days gold held before this table: the gold thread recomputes them once (gold-backfill.ts).
  INSERT INTO {schema}.pipeline_state (name, value) VALUES ('backfill', 'fact_daily_product_sales');
  `,
  `
  -- A store-day's sales per device (till), for the staff page's "by till". Kept here, not shipped:
  -- the snapshots' tables are gold-tables.ts's GOLD_TABLES. An order is (device_id, order_id), so
  -- the devices' order_count adds up to the day's.
  CREATE TABLE {schema}.fact_daily_device_sales (
    sale_date TEXT NOT NULL,
    store_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    sales_amount INTEGER NOT NULL,
    sales_count INTEGER NOT NULL,      -- sale lines
    units INTEGER NOT NULL,            -- sum of quantities
    order_count INTEGER NOT NULL,      -- distinct orders of the device
    PRIMARY KEY (sale_date, store_id, device_id)
  ) STRICT, WITHOUT ROWID;
  -- The days gold holds are recomputed once, from the first (also a backfill this replaces midway).
  INSERT OR REPLACE INTO {schema}.pipeline_state (name, value) VALUES ('backfill', 'fact_daily_device_sales');
  DELETE FROM {schema}.pipeline_state WHERE name = 'backfill_after';
  `,
  `
  -- Returns and voids (docs/gold.md, "Net, gross, returns"): the amounts are net from here on, with
  -- gross, returns and voids beside them. Every day gold held had no return (bronze refused them),
  -- so its gross is its amount.
  ALTER TABLE {schema}.fact_daily_sales ADD COLUMN gross_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_daily_sales ADD COLUMN returns_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_daily_sales ADD COLUMN returns_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_daily_sales ADD COLUMN voids_count INTEGER NOT NULL DEFAULT 0;
  UPDATE {schema}.fact_daily_sales SET gross_amount = daily_sales_amount;
  ALTER TABLE {schema}.fact_hourly_sales ADD COLUMN gross_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_hourly_sales ADD COLUMN returns_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_hourly_sales ADD COLUMN returns_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_hourly_sales ADD COLUMN voids_count INTEGER NOT NULL DEFAULT 0;
  UPDATE {schema}.fact_hourly_sales SET gross_amount = sales_amount;
  ALTER TABLE {schema}.kpi_revenue_by_region ADD COLUMN gross_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.kpi_revenue_by_region ADD COLUMN returns_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.kpi_revenue_by_region ADD COLUMN returns_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.kpi_revenue_by_region ADD COLUMN voids_count INTEGER NOT NULL DEFAULT 0;
  UPDATE {schema}.kpi_revenue_by_region SET gross_amount = revenue_amount;
  ALTER TABLE {schema}.kpi_daily_orders ADD COLUMN gross_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.kpi_daily_orders ADD COLUMN returns_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.kpi_daily_orders ADD COLUMN returns_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.kpi_daily_orders ADD COLUMN voids_count INTEGER NOT NULL DEFAULT 0;
  UPDATE {schema}.kpi_daily_orders SET gross_amount = total_amount;
  ALTER TABLE {schema}.fact_daily_product_sales ADD COLUMN gross_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_daily_product_sales ADD COLUMN returns_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_daily_product_sales ADD COLUMN returns_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_daily_product_sales ADD COLUMN returned_units INTEGER NOT NULL DEFAULT 0;
  UPDATE {schema}.fact_daily_product_sales SET gross_amount = sales_amount;
  ALTER TABLE {schema}.fact_daily_device_sales ADD COLUMN gross_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_daily_device_sales ADD COLUMN returns_amount INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_daily_device_sales ADD COLUMN returns_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE {schema}.fact_daily_device_sales ADD COLUMN voids_count INTEGER NOT NULL DEFAULT 0;
  UPDATE {schema}.fact_daily_device_sales SET gross_amount = sales_amount;
  `,
  `
  -- Stock on hand (docs/inventory.md): a row per store-day and product that has stock or movement
  -- that day, computed from silver's inventory movements and sales (gold/inventory-refresher.ts).
  CREATE TABLE {schema}.fact_inventory (
    stock_date TEXT NOT NULL,          -- store-local date
    store_id TEXT NOT NULL,
    product_id INTEGER NOT NULL,
    product_name TEXT NOT NULL,        -- as dim_product names it at the day's end
    category TEXT NOT NULL,
    opening_units INTEGER NOT NULL,    -- on hand when the day began
    received_units INTEGER NOT NULL,
    sold_units INTEGER NOT NULL,       -- net of returns; voided lines take nothing
    adjusted_units INTEGER NOT NULL,   -- signed
    shrink_units INTEGER NOT NULL,     -- counted - expected at each count of the day while known (negative: missing)
    closing_units INTEGER NOT NULL,    -- on hand when the day ended (today: at its last event)
    counted INTEGER NOT NULL,          -- 1: a count that day
    uncounted INTEGER NOT NULL,        -- 1: never counted yet (on hand started at 0)
    known INTEGER NOT NULL,            -- 1: a count or a receipt happened: stock at 0 is out, not unknown
    last_count_at TEXT,                -- the product's last count up to the day's end, UTC ISO 8601
    avg_daily_sold_7d REAL NOT NULL,   -- sold_units over this day and the 6 before, / 7
    days_of_cover REAL,                -- closing_units (0 when out) / avg_daily_sold_7d; NULL when nothing sold or not known
    stockout_minutes INTEGER NOT NULL, -- minutes of the day with on hand <= 0 while known
    PRIMARY KEY (stock_date, store_id, product_id)
  ) STRICT, WITHOUT ROWID;
  -- A product's days in order: where its stock stood before a day.
  CREATE INDEX {schema}.fact_inventory_product ON fact_inventory (store_id, product_id, stock_date);
  `,
  `
  -- Where a product's stock stood before a day, when it is not known (docs/inventory.md): such a
  -- product has rows only on the days it moved, found here without reading the store's every row.
  CREATE INDEX {schema}.fact_inventory_unknown ON fact_inventory (store_id, product_id, stock_date) WHERE known = 0;
  -- What the API, the staff page and the metrics list of a day (gold/stock-reader.ts): out of stock,
  -- running low, the counts' shrink; each read costs its rows, not the store's.
  CREATE INDEX {schema}.fact_inventory_out ON fact_inventory (stock_date, store_id, product_id) WHERE known = 1 AND closing_units <= 0;
  CREATE INDEX {schema}.fact_inventory_cover ON fact_inventory (stock_date, store_id, days_of_cover, product_id) WHERE known = 1 AND closing_units > 0;
  CREATE INDEX {schema}.fact_inventory_shrink ON fact_inventory (stock_date, store_id, shrink_units) WHERE shrink_units != 0;
  `,
]
