import { describe, expect, it } from 'vitest'
import { ENRICHED_COLUMNS } from '../../src/silver/sales-enricher.js'
import { MOVEMENT_COLUMNS } from '../../src/silver/inventory-enricher.js'
import { SilverHarness } from '../helpers/silver-harness.js'

describe("silver's insert", () => {
  it('names the columns of silver.sales_enriched, all of them, in table order (its values are bound by position)', () => {
    const h = new SilverHarness()
    try {
      const columns = h.db.prepare('SELECT name FROM pragma_table_info(?, ?)').pluck().all('sales_enriched', 'silver')
      expect(columns).toEqual([...ENRICHED_COLUMNS])
    } finally {
      h.close()
    }
  })

  it('names the columns of silver.inventory_movements, all of them, in table order (a column left out would keep its old value when a movement is written again)', () => {
    const h = new SilverHarness()
    try {
      const columns = h.db.prepare('SELECT name FROM pragma_table_info(?, ?)').pluck().all('inventory_movements', 'silver')
      expect(columns).toEqual([...MOVEMENT_COLUMNS])
    } finally {
      h.close()
    }
  })
})
