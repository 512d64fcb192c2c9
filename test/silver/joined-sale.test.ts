import { describe, expect, it } from 'vitest'
import { SALE_COLUMN_NAMES } from '../../src/bronze/sale-columns.js'
import { NEW_SALE_COLUMNS, newSaleOf } from '../../src/silver/joined-sale.js'
import { closedAfterEach, SilverHarness } from '../helpers/silver-harness.js'

/** Silver reads new bronze sales as raw rows by position (silver/joined-sale.ts): the positions must be the columns'. */
describe("silver's read of a new bronze sale", () => {
  const opened = closedAfterEach()

  it('names every column of the row it reads, as the named row of the same query would', () => {
    const h = opened(new SilverHarness())
    h.ingest([
      {
        event_id: '00000000-0000-4000-8000-000000000001',
        device_id: 'till-1',
        store_id: 'store_001',
        timestamp: '2025-05-01T10:00:00.000Z',
        product_id: 101,
        price: 2.5,
        quantity: -2,
        customer_id: 1001,
        order_id: 'o-9',
        refund_of: '00000000-0000-4000-8000-000000000000',
        reason: 'damaged',
      },
    ])
    const sql = `SELECT ${NEW_SALE_COLUMNS} FROM bronze.iot_sales_raw`
    const named = h.db.prepare(sql).get() as Record<string, unknown>
    const read = newSaleOf(h.db.prepare(sql).raw().get() as unknown[])
    // Every value is distinct enough that a column read at another's position would show.
    const readColumns = Object.fromEntries(Object.keys(named).map((column) => [column, read[column as keyof typeof read]]))
    expect(readColumns).toEqual(named)
    // The rest are the dimensions' fields, not joined yet.
    expect(Object.entries(read).filter(([field]) => !(field in named))).toEqual(
      ['product_name', 'category', 'customer_name', 'customer_region', 'store_name', 'store_region', 'store_timezone'].map((field) => [field, null]),
    )
    expect(read).toMatchObject({ refund_of: '00000000-0000-4000-8000-000000000000', return_reason: 'damaged', quantity: -2, price_minor: 250 })
    expect(NEW_SALE_COLUMNS.split(', ')).toEqual(expect.arrayContaining(SALE_COLUMN_NAMES))
  })
})
