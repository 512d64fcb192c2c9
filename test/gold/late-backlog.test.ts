import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

describe('a device offline for two days publishes its backlog', () => {
  let h: SilverHarness | undefined
  afterEach(() => h?.close())

  it("corrects those days' gold, and a second replay of the backlog counts nothing twice", () => {
    h = new SilverHarness()
    const live = [seedSale({ event_id: 'live', device_id: 'd2', timestamp: '2025-05-03T10:00:00Z', price: 10 })]
    h.ingest(live)
    h.process()
    h.gold.refreshAll()
    const totals = (): Record<string, number> =>
      Object.fromEntries(
        (
          h!.db.prepare('SELECT sale_date, total_amount FROM gold.kpi_daily_orders ORDER BY sale_date').all() as { sale_date: string; total_amount: number }[]
        ).map((r) => [r.sale_date, r.total_amount]),
      )
    expect(totals()).toEqual({ '2025-05-03': 1000 })

    const backlog = ['2025-05-01T09:00:00Z', '2025-05-01T17:00:00Z', '2025-05-02T12:00:00Z'].map((timestamp) =>
      seedSale({ event_id: randomUUID(), device_id: 'd1', timestamp, price: 2.5, quantity: 2 }),
    )
    h.ingest(backlog, Date.parse('2025-05-03T11:00:00Z'))
    h.process()
    h.gold.refreshAll()
    expect(totals()).toEqual({ '2025-05-01': 1000, '2025-05-02': 500, '2025-05-03': 1000 })

    h.ingest(backlog, Date.parse('2025-05-03T11:05:00Z')) // the device sends it all again
    h.process()
    h.gold.refreshAll()
    expect(totals()).toEqual({ '2025-05-01': 1000, '2025-05-02': 500, '2025-05-03': 1000 })
  })
})
