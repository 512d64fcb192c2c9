import { describe, expect, it } from 'vitest'
import { StockOnHand } from '../../src/silver/stock-on-hand.js'
import { DAY_ROWS, markDaysPruned, pruneDayRows } from '../../src/silver/prune-silver.js'
import { seedSale } from '../helpers/sales.js'
import { closedAfterEach, SilverHarness } from '../helpers/silver-harness.js'
import { goldPositions, silverPositions } from '../helpers/stock-positions.js'

/**
 * silver.inventory_on_hand where retention, failures and time zones meet it (issue 23; found by a
 * review): each checks silver's stock against gold's newest rows, or against its own computation.
 */
const NOW = Date.parse('2026-03-10T20:00:00Z')
const opened = closedAfterEach()

async function harness(timezone = 'America/New_York'): Promise<SilverHarness> {
  const h = opened(new SilverHarness({ defaultTimezone: 'UTC', now: () => NOW }))
  await h.importDims('store', `store_id,store_name,region,timezone\nstore_001,Downtown,North,${timezone}\n`, Date.parse('2026-01-01T00:00:00Z'))
  return h
}
const move = (id: string, type: string, quantity: number, timestamp: string, product = 1, store = 'store_001'): Record<string, unknown> => ({
  event_id: id,
  device_id: 'scanner-1',
  store_id: store,
  timestamp,
  product_id: product,
  type,
  quantity,
  ...(type === 'adjustment' ? { reason: 'damaged' } : {}),
})
const sale = (id: string, quantity: number, timestamp: string, product = 1, price = 2, store = 'store_001'): Record<string, unknown> =>
  seedSale({ event_id: id, device_id: 'till-1', store_id: store, timestamp, product_id: product, quantity, price, customer_id: null })
function run(h: SilverHarness, inventory: Record<string, unknown>[], sales: Record<string, unknown>[] = []): void {
  if (inventory.length > 0) h.ingestInventory(inventory)
  if (sales.length > 0) h.ingest(sales)
  h.process()
  h.gold.refreshAll()
}
function prune(h: SilverHarness, store: string, dates: string[]): void {
  const days = dates.map((sale_date) => ({ store_id: store, sale_date }))
  markDaysPruned(h.db, days, NOW)
  for (const day of days) for (const rows of [DAY_ROWS.sales, DAY_ROWS.movements]) pruneDayRows(h.db, rows, day)
}
/** As a data directory from before the table: movements in silver, no positions, the fill still to do. */
function asOldDataDir(h: SilverHarness): void {
  h.db.exec('DELETE FROM silver.inventory_on_hand; DELETE FROM silver.inventory_stores; UPDATE silver.inventory_on_hand_state SET filled = 0')
}

describe('silver.inventory_on_hand with retention, failures and time zones (issue 23)', () => {
  it("a late movement of a day retention pruned changes nothing, as in gold (its days start from the pruned day's closing)", async () => {
    const h = await harness()
    run(h, [move('c1', 'count', 10, '2026-03-07T15:00:00Z')], [sale('s1', 2, '2026-03-09T16:00:00Z')])
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(8)
    prune(h, 'store_001', ['2026-03-07', '2026-03-08'])
    h.gold.refreshAll()
    // A handheld's backlog (or a replay): a receipt and a count of the 8th, after the last count.
    run(h, [move('r-late', 'receipt', 5, '2026-03-08T15:00:00Z'), move('c-late', 'count', 50, '2026-03-08T16:00:00Z', 1)])
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(8)
    expect(silverPositions(h.db)).toEqual(goldPositions(h.db))
    // A movement after the pruned days counts as ever.
    run(h, [move('r2', 'receipt', 4, '2026-03-10T15:00:00Z')])
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(12)
    expect(silverPositions(h.db)).toEqual(goldPositions(h.db))
  })

  it('a fill rolled back with its transaction (a failing import) is done again by the next one', async () => {
    const h = await harness()
    run(h, [move('c1', 'count', 10, '2026-03-09T12:00:00Z')], [sale('s1', 2, '2026-03-09T13:00:00Z', 1, 500)])
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(8)
    asOldDataDir(h)
    h.enricher.useExpectations([{ rule: 'price_range', min: 0, max: 100, action: 'fail' }], 2)
    await expect(h.importDims('product', 'product_id,product_name,category\n1,Thing,Things\n')).rejects.toThrow()
    expect(h.db.prepare('SELECT filled FROM silver.inventory_on_hand_state').pluck().get()).toBe(0)
    h.enricher.useExpectations([], 2)
    run(h, [], [sale('s2', 1, '2026-03-09T14:00:00Z')])
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(7)
    expect(silverPositions(h.db)).toEqual(goldPositions(h.db))
  })

  it('a transaction that fails after the rows were written (at its commit, say) leaves nothing kept in memory', async () => {
    const h = await harness()
    run(h, [move('c1', 'count', 10, '2026-03-09T12:00:00Z')])
    // Anything that fails between flush() and COMMIT (here a trigger on the failure row; in life SQLITE_FULL or an I/O error at commit).
    h.db.exec("CREATE TRIGGER silver.boom BEFORE INSERT ON pipeline_state WHEN NEW.name = 'failure' BEGIN SELECT RAISE(ABORT, 'boom'); END")
    h.enricher.useExpectations([{ rule: 'price_range', min: 0, max: 100, action: 'fail' }], 2)
    h.ingest([sale('s1', 2, '2026-03-09T13:00:00Z'), sale('s2', 1, '2026-03-09T14:00:00Z', 1, 500)])
    expect(() => h.enricher.processNext()).toThrow('boom')
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(10) // rolled back
    h.db.exec('DROP TRIGGER silver.boom')
    h.enricher.useExpectations([], 2)
    h.process()
    h.gold.refreshAll()
    expect(silverPositions(h.db)['store_001 1']?.units).toBe(7)
    expect(silverPositions(h.db)).toEqual(goldPositions(h.db))
  })

  it('a late count after a time zone change adds the events after its instant, as the rows were kept: live equals from scratch', async () => {
    const h = await harness('Europe/Paris')
    run(h, [move('r0', 'receipt', 1, '2026-03-07T12:00:00Z', 2), move('c0', 'count', 1, '2026-03-08T20:00:00Z')])
    await h.importDims('store', 'store_id,store_name,region,timezone\nstore_001,Downtown,North,America/New_York\n', Date.parse('2026-03-08T23:30:00Z'))
    // 23:45Z is on the 8th in New York; the late count of 23:00Z on the 9th in Paris.
    run(h, [move('r1', 'receipt', 5, '2026-03-08T23:45:00Z')])
    run(h, [move('c1', 'count', 10, '2026-03-08T23:00:00Z')])
    const live = silverPositions(h.db)
    expect(live['store_001 1']?.units).toBe(15)
    h.db.transaction(() => new StockOnHand(h.db).rebuild())()
    expect(silverPositions(h.db)).toEqual(live)
  })
})
