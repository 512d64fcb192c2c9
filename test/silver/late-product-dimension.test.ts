import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { seedSale } from '../helpers/sales.js'
import { CUSTOMERS_CSV, SilverHarness } from '../helpers/silver-harness.js'

describe('a sale before its product: kept as unknown, re-enriched when the product arrives', () => {
  let h: SilverHarness
  beforeEach(() => {
    h = new SilverHarness()
  })
  afterEach(() => h.close())

  it('flags, then fixes up, and marks the day changed for gold', async () => {
    await h.importDims('customer', CUSTOMERS_CSV)
    h.ingest([seedSale({ event_id: 's1', product_id: 999, timestamp: '2025-05-03T10:00:00Z' })])
    h.process()
    expect(h.silver()[0]).toMatchObject({ product_name: 'Unknown', category: 'Unknown', unknown_product: 1, customer_name: 'Ada Lovelace' })
    h.db.exec('DELETE FROM silver.day_changes')

    const summary = await h.importDims('product', 'product_id,product_name,category\n999,Oat Latte,Beverages\n')
    expect(summary).toMatchObject({ inserted: 1, reenriched: 1 })
    expect(h.silver()[0]).toMatchObject({ product_name: 'Oat Latte', category: 'Beverages', unknown_product: 0 })
    expect(h.changedDays()).toEqual(['store_001 2025-05-03'])
  })

  it('anonymous sales are normal, not unknown; an unknown customer is flagged', () => {
    h.ingest([seedSale({ event_id: 'anon', customer_id: null }), seedSale({ event_id: 'stranger', customer_id: 4242 })])
    h.process()
    expect(h.silver().map((row) => [row.event_id, row.customer_name, row.region, row.unknown_customer])).toEqual([
      ['anon', 'Anonymous', 'Anonymous', 0],
      ['stranger', 'Unknown', 'Unknown', 1],
    ])
  })

  it('a late store row redates its sales in its time zone and marks both days', async () => {
    h.ingest([seedSale({ event_id: 'night', timestamp: '2025-05-02T02:30:00Z' })])
    h.process()
    expect(h.silver()[0]).toMatchObject({ sale_date: '2025-05-02', timezone: 'UTC', unknown_store: 1 })
    h.db.exec('DELETE FROM silver.day_changes')
    await h.importDims('store', 'store_id,store_name,region,timezone\nstore_001,Downtown,North,America/New_York\n')
    expect(h.silver()[0]).toMatchObject({ sale_date: '2025-05-01', sale_hour: 22, timezone: 'America/New_York', unknown_store: 0 })
    expect(h.changedDays()).toEqual(['store_001 2025-05-01', 'store_001 2025-05-02'])
  })
})
