import { afterEach, describe, expect, it } from 'vitest'
import { DIMENSIONS } from '../../src/silver/dims/dimension-spec.js'
import { importDimension } from '../../src/silver/dims/import-dimension.js'
import { enricherFromConfig } from '../../src/silver/enricher-from-config.js'
import { configSchema } from '../../src/config/schema.js'
import { Readable } from 'node:stream'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'
import { openMigrated } from '../../src/schemas.js'
import { SILVER_LAYERS } from '../../src/silver/open-silver.js'

const T0 = Date.parse('2025-06-01T00:00:00Z')

describe('silver looks dimensions up in memory, and never from a stale copy', () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  const categories = (harness: SilverHarness): string[][] => harness.silver().map((row) => [row.event_id as string, row.category as string])

  it('an import on the same connection is seen by the next batch', async () => {
    h = new SilverHarness()
    await h.importDims('product', 'product_id,product_name,category\n101,Espresso,Beverages\n', T0)
    h.ingest([seedSale({ event_id: 'first', timestamp: '2025-06-10T12:00:00Z' })])
    h.process() // product 101 is now cached
    await h.importDims('product', 'product_id,product_name,category\n101,Espresso,Coffee\n', Date.parse('2025-06-15T00:00:00Z'))
    h.ingest([seedSale({ event_id: 'second', timestamp: '2025-06-20T12:00:00Z' })])
    h.process()
    expect(categories(h)).toEqual([
      ['first', 'Beverages'],
      ['second', 'Coffee'],
    ])
  })

  it('an import by another connection (the CLI, the sync job) is seen by the next batch', async () => {
    h = new SilverHarness()
    await h.importDims('product', 'product_id,product_name,category\n101,Espresso,Beverages\n', T0)
    h.ingest([seedSale({ event_id: 'first', timestamp: '2025-06-10T12:00:00Z' })])
    h.process()
    const other = openMigrated(h.dir.path, { attach: SILVER_LAYERS })
    try {
      const config = configSchema.parse({ dataDir: h.dir.path })
      await importDimension(
        other,
        enricherFromConfig(other, config),
        DIMENSIONS.product,
        Readable.from(['product_id,product_name,category\n101,Espresso,Coffee\n']),
        'csv',
        { asOfMs: Date.parse('2025-06-15T00:00:00Z') },
      )
    } finally {
      other.close()
    }
    h.ingest([seedSale({ event_id: 'second', timestamp: '2025-06-20T12:00:00Z' })])
    h.process()
    expect(categories(h)).toEqual([
      ['first', 'Beverages'],
      ['second', 'Coffee'],
    ])
  })
})
