import { afterEach, describe, expect, it } from 'vitest'
import { Expectations } from '../../src/silver/expectations.js'
import { SalesEnricher } from '../../src/silver/sales-enricher.js'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

// A silver batch (one transaction) may read bronze in several pages: 10 rows a batch, 3 a read.
const BATCH = 10
const PAGE = 3

const sales = (count: number, price = (_i: number): number => 15.5): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, i) =>
    seedSale({
      event_id: `sale-${i}`,
      timestamp: new Date(Date.parse('2025-06-10T12:00:00Z') + i * 1000).toISOString(),
      price: price(i),
      customer_id: 1000 + (i % 4),
    }),
  )

describe('a silver batch read in pages', () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  const paged = (harness: SilverHarness, rules: ConstructorParameters<typeof Expectations>[0] = []): SalesEnricher =>
    new SalesEnricher(harness.db, {
      defaultTimezone: 'UTC',
      minorUnitDigits: 2,
      expectations: new Expectations(rules, 2),
      batchRows: BATCH,
      readPageRows: PAGE,
    })

  it('enriches up to batchRows rows in one batch, across pages, and resumes after its watermark', async () => {
    h = new SilverHarness()
    await h.importDims('customer', 'customer_id,customer_name,region\n1000,Ada,North\n1002,Cy,South\n')
    h.ingest(sales(25))
    const enricher = paged(h)
    expect([enricher.processNext().rows, enricher.processNext().rows, enricher.processNext().rows, enricher.processNext().rows]).toEqual([10, 10, 5, 0])
    const rows = h.silver()
    expect(rows.map((row) => row.event_id)).toEqual(sales(25).map((sale) => sale.event_id))
    // Customers read a page at a time: known ones named, the others unknown, as one by one.
    expect(rows.slice(0, 4).map((row) => [row.customer_id, row.customer_name, row.unknown_customer])).toEqual([
      [1000, 'Ada', 0],
      [1001, 'Unknown', 1],
      [1002, 'Cy', 0],
      [1003, 'Unknown', 1],
    ])
    expect(enricher.watermark()).toBe(rows.at(-1)!.bronze_id)
  })

  it('a fail rule in a later page stops the batch before that sale, with the rows before it committed', () => {
    h = new SilverHarness()
    // The 8th sale (index 7, in the third page) is over the price limit.
    h.ingest(sales(12, (i) => (i === 7 ? 99_999 : 15.5)))
    const enricher = paged(h, [{ rule: 'price_range', min: 0, max: 10_000, action: 'fail' }])
    const outcome = enricher.processNext()
    expect(outcome.rows).toBe(7)
    expect(outcome.failure?.rule).toBe('price_range')
    const rows = h.silver()
    expect(rows.map((row) => row.event_id)).toEqual(sales(7).map((sale) => sale.event_id))
    expect(outcome.failure?.bronzeId).toBe(rows.at(-1)!.bronze_id + 1)
    expect(enricher.watermark()).toBe(rows.at(-1)!.bronze_id)
  })
})
