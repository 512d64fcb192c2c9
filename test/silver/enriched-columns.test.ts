import { describe, expect, it } from 'vitest'
import { ENRICHED_COLUMNS } from '../../src/silver/sales-enricher.js'
import { MOVEMENT_COLUMNS } from '../../src/silver/inventory-enricher.js'
import { SilverHarness } from '../helpers/silver-harness.js'

// Silver's writes bind their values by position, and an upsert keeps a column it does not name
// when a row is written again: each list must be its table's columns, all of them, in table order.
describe("silver's writes name every column of their table, in table order", () => {
  it.each([
    ['sales_enriched', ENRICHED_COLUMNS],
    ['inventory_movements', MOVEMENT_COLUMNS],
  ] as const)('silver.%s', (table, listed) => {
    const h = new SilverHarness()
    try {
      expect(h.db.prepare('SELECT name FROM pragma_table_info(?, ?)').pluck().all(table, 'silver')).toEqual([...listed])
    } finally {
      h.close()
    }
  })
})
