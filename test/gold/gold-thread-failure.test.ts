import pino from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GoldThread } from '../../src/pipeline/gold-thread.js'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

// The real gold thread on a real data directory. The fault: a gold table dropped underneath it (a
// damaged gold.db), which no retry mends.
describe('the gold thread when a refresh fails', () => {
  let h: SilverHarness | undefined
  let gold: GoldThread | undefined
  afterEach(async () => {
    await gold?.stop()
    h?.close()
  })

  it('counts the failure and keeps it as the last error (what /readyz and the health panel show) until a refresh succeeds', async () => {
    h = new SilverHarness()
    h.ingest([seedSale({ event_id: 'a', timestamp: '2025-05-01T10:00:00Z' })])
    h.process()
    const fatal: Error[] = []
    gold = new GoldThread({ dataDir: h.dir.path, synchronous: 'FULL', refreshIntervalMs: 100, pollMs: 200 }, pino({ level: 'silent' }), (error) =>
      fatal.push(error),
    )
    await gold.start()
    await vi.waitUntil(() => gold!.progress.refreshes > 0, { timeout: 30_000 })
    expect(gold.progress).toMatchObject({ lastError: null, errors: 0 })

    h.db.exec('ALTER TABLE gold.fact_hourly_sales RENAME TO fact_hourly_sales_aside')
    h.ingest([seedSale({ event_id: 'b', timestamp: '2025-05-01T11:00:00Z' })])
    h.process()
    gold.notify()
    await vi.waitUntil(() => gold!.progress.errors > 0, { timeout: 30_000 })
    expect(gold.progress.lastError).toMatch(/fact_hourly_sales/)

    // Mended: the next refresh succeeds and the error is gone; the thread never died.
    h.db.exec('ALTER TABLE gold.fact_hourly_sales_aside RENAME TO fact_hourly_sales')
    gold.notify()
    await vi.waitUntil(() => gold!.progress.lastError === null, { timeout: 30_000 })
    expect(fatal).toEqual([])
  })

  it('a gold.db another process holds (a `gold rebuild`) only puts the refresh off: no error, no failure count', async () => {
    h = new SilverHarness()
    gold = new GoldThread({ dataDir: h.dir.path, synchronous: 'FULL', refreshIntervalMs: 100, pollMs: 200 }, pino({ level: 'silent' }), () => {})
    await gold.start()
    h.ingest([seedSale({ event_id: 'a', timestamp: '2025-05-01T10:00:00Z' })])
    h.process()
    // Holds gold.db's write lock (only that file's) as a rebuild would.
    h.db.exec('BEGIN')
    h.db.exec('UPDATE gold.pipeline_state SET value = value WHERE 0')
    gold.notify()
    await vi.waitUntil(() => gold!.progress.busy > 0, { timeout: 30_000 })
    expect(gold.progress).toMatchObject({ lastError: null, errors: 0 })
    const refreshes = gold.progress.refreshes
    h.db.exec('COMMIT')
    await vi.waitUntil(() => gold!.progress.refreshes > refreshes, { timeout: 30_000 })
    expect(gold.progress).toMatchObject({ lastError: null, errors: 0 })
  })
})
