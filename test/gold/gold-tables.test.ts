import { describe, expect, it } from 'vitest'
import { ALL_GOLD_TABLE_NAMES, GOLD_LOCAL_TABLE_NAMES, GOLD_TABLE_NAMES, goldTable, insertSql, SHIPPED_TABLE_NAMES } from '../../src/gold/gold-tables.js'
import { GOLD_PARQUET_COLUMNS, SNAPSHOT_SCHEMA_VERSION } from '../../src/snapshot/gold-parquet-schema.js'
import { SilverHarness } from '../helpers/silver-harness.js'

describe('the gold tables descriptor', () => {
  it('is what the migrations made: the same columns, types and primary key, in order (the local tables too)', () => {
    const h = new SilverHarness()
    try {
      for (const table of ALL_GOLD_TABLE_NAMES) {
        const info = h.db.prepare(`PRAGMA gold.table_info(${table})`).all() as { name: string; type: string; pk: number }[]
        const descriptor = goldTable(table)
        expect([table, info.map((column) => [column.name, column.type])]).toEqual([
          table,
          Object.entries(descriptor.columns).map(([name, { sql }]) => [name, sql]),
        ])
        const key = info
          .filter((column) => column.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((column) => column.name)
        expect([table, key]).toEqual([table, [...descriptor.key]])
        // The insert names every column: it prepares against the real table.
        expect(() => h.db.prepare(insertSql(table))).not.toThrow()
      }
    } finally {
      h.close()
    }
  })

  it("ships only the lake's tables: a local one (by device) is in no snapshot", () => {
    expect(GOLD_LOCAL_TABLE_NAMES).toEqual(['fact_daily_device_sales'])
    expect(GOLD_TABLE_NAMES.filter((table) => (GOLD_LOCAL_TABLE_NAMES as string[]).includes(table))).toEqual([])
    expect(Object.keys(GOLD_PARQUET_COLUMNS)).toEqual(SHIPPED_TABLE_NAMES)
    expect(SHIPPED_TABLE_NAMES).toEqual([...GOLD_TABLE_NAMES, 'fact_inventory'])
  })

  it("gives the lake the Parquet columns of snapshot format 3: format 2's, unchanged, then returns and voids", () => {
    // As released: a change here is a new snapshot format (SNAPSHOT_SCHEMA_VERSION), with an upgrade path for lakes.
    expect(SNAPSHOT_SCHEMA_VERSION).toBe(3)
    const returns = ['gross_amount', 'returns_amount', 'returns_count', 'voids_count'].map((name) => ({ name, kind: 'int64' }))
    const productReturns = ['gross_amount', 'returns_amount', 'returns_count', 'returned_units'].map((name) => ({ name, kind: 'int64' }))
    const format2: Record<string, { name: string; kind: string }[]> = {
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
    const { fact_inventory: inventory, ...sales } = GOLD_PARQUET_COLUMNS
    expect(sales).toEqual(
      Object.fromEntries(
        Object.entries(format2).map(([table, columns]) => [table, [...columns, ...(table === 'fact_daily_product_sales' ? productReturns : returns)]]),
      ),
    )
    // Stock on hand (issue 23), a table of its own in the same format, partitioned by stock_date.
    expect(inventory!.map((column) => column.name)).toEqual([
      'product_id',
      'product_name',
      'category',
      'opening_units',
      'received_units',
      'sold_units',
      'adjusted_units',
      'shrink_units',
      'closing_units',
      'counted',
      'uncounted',
      'known',
      'last_count_at',
      'avg_daily_sold_7d',
      'days_of_cover',
      'stockout_minutes',
    ])
  })
})
