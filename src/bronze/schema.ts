import type { Migrations } from '../db/migrate.js'

/**
 * bronze.db: every accepted sale as it arrived, and every refused message with its reason.
 *
 * The identity index is `(sale_ts_ms, dedupe_hash)`, not `(device_id, event_id)`: sales arrive in
 * (device) time order, so new keys land at the right edge of the B-tree and a commit dirties a
 * handful of index pages whatever the table size. A UUID-ordered index dirties one random page
 * per row and fell from ~330k to ~40k rows/s past a few million rows (docs/bronze.md has the
 * measurements). A redelivery or replay carries the same timestamp, so it still finds its twin.
 */
export const BRONZE_MIGRATIONS: Migrations = [
  `
  CREATE TABLE {schema}.iot_sales_raw (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- arrival order: the watermark downstream layers read
                                          -- by; never reused, also after retention empties the table
    received_at TEXT NOT NULL,       -- gateway clock, ISO 8601 UTC with milliseconds
    device_id TEXT NOT NULL,
    store_id TEXT NOT NULL,
    event_id TEXT,                   -- as sent; NULL when the device sent none
    sale_ts_ms INTEGER NOT NULL,     -- the sale's timestamp (device clock), epoch ms UTC
    dedupe_hash INTEGER NOT NULL,    -- 53-bit hash of (device_id, event_id), or of the content
    product_id INTEGER NOT NULL,
    price_minor INTEGER NOT NULL,    -- unit price in minor units (cents): exact money
    quantity INTEGER NOT NULL,
    customer_id INTEGER,             -- NULL: anonymous sale
    order_id TEXT,                   -- NULL: the sale is its own order
    payload TEXT NOT NULL            -- the sale's JSON as received
  ) STRICT;
  CREATE UNIQUE INDEX {schema}.iot_sales_raw_identity ON iot_sales_raw (sale_ts_ms, dedupe_hash);

  CREATE TABLE {schema}.iot_sales_rejects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    topic TEXT NOT NULL,
    client_id TEXT,
    item_index INTEGER,              -- position in an array payload; NULL: the whole message
    reason TEXT NOT NULL,            -- machine-readable code, see docs/bronze.md
    field TEXT,                      -- the offending field, when one is to blame
    detail TEXT NOT NULL,            -- the same for people
    payload ANY,                     -- TEXT when valid UTF-8, else BLOB; cut at rejectPayloadKeepBytes
    payload_bytes INTEGER NOT NULL   -- size as received
  ) STRICT;
  CREATE INDEX {schema}.iot_sales_rejects_received ON iot_sales_rejects (received_at);
  `,
  `
  -- Each device's last accepted sale, for device health (the staff page): upserted in the group
  -- commit that stores the sale, a row per device, never pruned with the sales.
  CREATE TABLE {schema}.device_activity (
    device_id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,          -- of its last sale
    last_received_at TEXT NOT NULL,  -- gateway clock, ISO 8601 UTC
    last_sale_ts_ms INTEGER NOT NULL -- that sale's timestamp (device clock), epoch ms UTC
  ) STRICT, WITHOUT ROWID;
  -- SQLite's bare columns with max(): store and sale time of the row with the latest received_at.
  INSERT INTO {schema}.device_activity (device_id, store_id, last_received_at, last_sale_ts_ms)
    SELECT device_id, store_id, max(received_at), sale_ts_ms FROM {schema}.iot_sales_raw GROUP BY device_id;
  `,
  `
  -- Counters that outlive the rows: rejects dropped to keep the table under its byte bound.
  CREATE TABLE {schema}.bronze_state (
    name TEXT PRIMARY KEY,
    value ANY
  ) STRICT;
  `,
  `
  -- The gateway clock as epoch milliseconds too, so that silver does not parse back what bronze
  -- formatted. NULL on rows stored before this column: readers fall back to received_at.
  ALTER TABLE {schema}.iot_sales_raw ADD COLUMN received_at_ms INTEGER;
  `,
  `
  -- Returns (a negative quantity) may name their original sale and a reason (docs/bronze.md).
  ALTER TABLE {schema}.iot_sales_raw ADD COLUMN refund_of TEXT;
  ALTER TABLE {schema}.iot_sales_raw ADD COLUMN return_reason TEXT;

  -- Voids: each cancels a line its device sent earlier (void_of: that line's event_id). Kept apart
  -- from the sales, with the same identity index and its own arrival order for silver to follow.
  CREATE TABLE {schema}.iot_sale_voids (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    store_id TEXT NOT NULL,
    event_id TEXT,                   -- the void's own id, as sent
    sale_ts_ms INTEGER NOT NULL,     -- the void's timestamp (device clock), epoch ms UTC
    dedupe_hash INTEGER NOT NULL,    -- of (device_id, event_id), or of the content
    void_of TEXT NOT NULL,           -- the event_id of the line it cancels
    payload TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX {schema}.iot_sale_voids_identity ON iot_sale_voids (sale_ts_ms, dedupe_hash);
  `,
  `
  -- Inventory events (docs/inventory.md): counts, receipts and adjustments of a product's stock, one
  -- row per accepted event, with the same identity index as sales and its own arrival order.
  CREATE TABLE {schema}.iot_inventory_raw (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    store_id TEXT NOT NULL,
    event_id TEXT,                   -- as sent; NULL when the device sent none
    event_ts_ms INTEGER NOT NULL,    -- the event's timestamp (device clock), epoch ms UTC
    dedupe_hash INTEGER NOT NULL,    -- of (device_id, event_id), or of the content
    product_id INTEGER NOT NULL,
    type TEXT NOT NULL,              -- 'count' | 'receipt' | 'adjustment'
    quantity INTEGER NOT NULL,       -- count: units on the shelf; receipt: units in; adjustment: signed
    reason TEXT,                     -- an adjustment's
    payload TEXT NOT NULL            -- the event's JSON as received
  ) STRICT;
  CREATE UNIQUE INDEX {schema}.iot_inventory_raw_identity ON iot_inventory_raw (event_ts_ms, dedupe_hash);
  `,
]
