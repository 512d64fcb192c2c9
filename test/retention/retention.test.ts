import Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BronzeStore } from '../../src/bronze/bronze-store.js'
import { runRetention, type RetentionSettings } from '../../src/retention/retention.js'
import { databaseBytes, enableIncrementalVacuum } from '../../src/retention/compact.js'
import { enqueueNewSnapshots, Outbox } from '../../src/delivery/outbox.js'
import { acknowledgePull, lastSeq } from '../../src/delivery/delivery-state.js'
import { daysToRemake } from '../../src/snapshot/days-to-remake.js'
import { SnapshotBuilder } from '../../src/snapshot/snapshot-builder.js'
import { markDamaged } from '../../src/snapshot/snapshot-catalog.js'
import { GOLD_TABLE_NAMES } from '../../src/gold/gold-tables.js'
import { DirectoryTarget } from '../../src/delivery/targets/directory-target.js'
import { seedSale } from '../helpers/sales.js'
import { dumpGold, SilverHarness } from '../helpers/silver-harness.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const DAYS = ['2025-05-01', '2025-05-02', '2025-05-03', '2025-05-04', '2025-05-05']
/** The clock of the runs: 20 June 2025, so every sale day is older than 35 days. */
const NOW = Date.parse('2025-06-20T12:00:00Z')
const PUSH: RetentionSettings = { salesDays: 35, rejectsDays: 14, goldDays: 3650, timezone: 'UTC', targets: ['directory'] }

describe('retention: delivered old days pruned from bronze and silver, gold kept, files shrink', () => {
  let h: SilverHarness | undefined
  const lake = makeTempDir('medallion-lake-')
  afterEach(() => h?.close())

  const count = (sql: string, ...parameters: unknown[]): number =>
    h!.db
      .prepare(sql)
      .pluck()
      .get(...parameters) as number
  const sales = (perDay: number): Record<string, unknown>[] =>
    DAYS.flatMap((day) =>
      Array.from({ length: perDay }, (_, i) =>
        seedSale({
          event_id: randomUUID(),
          timestamp: `${day}T${String(8 + (i % 12)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`,
          price: 1 + (i % 50),
        }),
      ),
    )

  const makeSnapshots = (): void => {
    new SnapshotBuilder(h!.db, { dir: join(h!.dir.path, 'snapshots'), currency: { code: 'USD', minorUnitDigits: 2 } }).run()
    enqueueNewSnapshots(h!.db, ['directory'], Date.now())
  }

  /** Sales in all layers, snapshots made, every day shipped but the last, 5 May (its upload keeps failing). */
  async function fiveDaysShippedButOne(perDay: number, inventory: Record<string, unknown>[] = []): Promise<void> {
    // With stock, gold's clock is the last day's evening: stock is walked through "today".
    h = new SilverHarness(inventory.length > 0 ? { now: () => Date.parse('2025-05-05T23:00:00Z') } : {})
    h.ingest(sales(perDay))
    if (inventory.length > 0) h.ingestInventory(inventory)
    h.process()
    h.gold.refreshAll()
    const dir = join(h.dir.path, 'snapshots')
    makeSnapshots()
    h.db.prepare("UPDATE outbox SET next_attempt_at = '9999-01-01T00:00:00.000Z' WHERE snapshot_id = 'store_001-2025-05-05-v1'").run()
    const shipped = await new Outbox(h.db, { dir, retry: { baseDelayMs: 1, maxDelayMs: 1 } }).shipDue([new DirectoryTarget(lake.path)])
    expect(shipped.shipped).toEqual(['2025-05-01', '2025-05-02', '2025-05-03', '2025-05-04'].map((day) => `store_001-${day}-v1`))
  }

  it('prunes only delivered days; gold keeps every day; a late sale for a pruned day is quarantined, and gold stays as it was', async () => {
    await fiveDaysShippedButOne(200)
    const goldBefore = dumpGold(h!.db)
    const outcome = runRetention(h!.db, PUSH, NOW)
    expect(outcome).toMatchObject({ salesWait: null, prunedDays: 4, bronzeRows: 800, silverRows: 800, oldestSalesDay: '2025-05-05' })
    expect(count('SELECT count(*) FROM silver.sales_enriched')).toBe(200)
    expect(count('SELECT count(*) FROM bronze.iot_sales_raw')).toBe(200)
    expect(h!.db.prepare('SELECT sale_date FROM silver.pruned_days ORDER BY sale_date').pluck().all()).toEqual([
      '2025-05-01',
      '2025-05-02',
      '2025-05-03',
      '2025-05-04',
    ])
    expect(dumpGold(h!.db)).toBe(goldBefore)

    // A device replays an old sale of 1 May: not counted anywhere, kept in quarantine with its reason.
    h!.ingest([seedSale({ timestamp: '2025-05-01T10:00:00Z', price: 99 })])
    h!.process()
    h!.gold.refreshAll()
    expect(h!.db.prepare('SELECT rule FROM silver.sales_quarantine').pluck().all()).toEqual(['day_pruned'])
    h!.gold.rebuild() // a rebuild, too, leaves pruned days as they are
    expect(dumpGold(h!.db)).toBe(goldBefore)
    // The rebuild refreshed 5 May: it waits for a snapshot made since, and its delivery.
    expect(runRetention(h!.db, PUSH, NOW).prunedDays).toBe(0)
    makeSnapshots()
    // Delivered later, 5 May goes at the next run.
    h!.db.prepare("UPDATE outbox SET state = 'shipped' WHERE snapshot_id = 'store_001-2025-05-05-v1'").run()
    expect(runRetention(h!.db, PUSH, NOW)).toMatchObject({ prunedDays: 1, silverRows: 200, quarantineRows: 0, oldestSalesDay: null })
    // The quarantined replay stays visible for salesDays from when it came, then goes with its bronze row.
    expect(count('SELECT count(*) FROM bronze.iot_sales_raw')).toBe(1)
    expect(runRetention(h!.db, PUSH, Date.now() + 36 * 86_400_000)).toMatchObject({ quarantineRows: 1, bronzeRows: 1 })
    expect(count('SELECT count(*) FROM bronze.iot_sales_raw')).toBe(0)
  })

  it("voids go with their line's day, pending ones after salesDays (issue 22)", async () => {
    h = new SilverHarness()
    const line = (eventId: string, day: string): Record<string, unknown> => seedSale({ event_id: eventId, timestamp: `${day}T10:00:00Z`, order_id: eventId })
    const cancel = (voidOf: string, day: string): Record<string, unknown> => {
      const { device_id, store_id } = seedSale()
      return { event_id: `void-${voidOf}`, device_id, store_id, timestamp: `${day}T10:05:00Z`, void_of: voidOf }
    }
    h.ingest([line('l1', DAYS[0]!), line('l5', DAYS[4]!), ...sales(2)])
    h.ingest([cancel('l1', DAYS[0]!), cancel('l5', DAYS[4]!), cancel('never-sent', DAYS[0]!)])
    h.process()
    h.gold.refreshAll()
    makeSnapshots()
    h.db.prepare("UPDATE outbox SET next_attempt_at = '9999-01-01T00:00:00.000Z' WHERE snapshot_id = 'store_001-2025-05-05-v1'").run()
    await new Outbox(h.db, { dir: join(h.dir.path, 'snapshots'), retry: { baseDelayMs: 1, maxDelayMs: 1 } }).shipDue([new DirectoryTarget(lake.path)])
    const voids = (): string[] => h!.db.prepare("SELECT event_id || ':' || state FROM silver.sale_voids ORDER BY event_id").pluck().all() as string[]
    expect(voids()).toEqual(['void-l1:applied', 'void-l5:applied', 'void-never-sent:pending'])

    // 1 May goes (delivered): its line's void with it; 5 May's stays (not delivered), as does the pending one (not older than salesDays).
    expect(runRetention(h.db, PUSH, Date.parse('2025-05-20T12:00:00Z'))).toMatchObject({ prunedDays: 0, voidRows: 0 })
    expect(voids()).toHaveLength(3)
    expect(runRetention(h.db, PUSH, NOW)).toMatchObject({ prunedDays: 4, voidRows: 2 })
    expect(voids()).toEqual(['void-l5:applied'])
    expect(count('SELECT count(*) FROM bronze.iot_sale_voids')).toBe(1)
    // 5 May's line stays voided through a silver rebuild of its day.
    h.enricher.rebuildChunk(0, { fromDate: DAYS[4], toDate: DAYS[4] }, 10_000)
    expect(count("SELECT count(*) FROM silver.sales_enriched WHERE event_id = 'l5' AND voided_by IS NOT NULL")).toBe(1)
  })

  it("inventory movements go with their day's sales; fact_inventory keeps its rows, and later days still start from them (issue 23)", async () => {
    await fiveDaysShippedButOne(
      20,
      DAYS.map((day, i) => ({
        event_id: `count-${i}`,
        device_id: 'scanner-1',
        store_id: 'store_001',
        timestamp: `${day}T07:00:00Z`,
        product_id: 101,
        type: 'count',
        quantity: 100 + i,
      })),
    )
    const stock = (): string => JSON.stringify(h!.db.prepare("SELECT * FROM gold.fact_inventory WHERE stock_date <= '2025-05-05' ORDER BY stock_date").all())
    const before = stock()
    expect(count('SELECT count(*) FROM gold.fact_inventory WHERE stock_date <= ?', DAYS[4])).toBe(5)
    expect(runRetention(h!.db, PUSH, NOW)).toMatchObject({ prunedDays: 4 })
    expect(h!.db.prepare('SELECT stock_date FROM silver.inventory_movements').pluck().all()).toEqual([DAYS[4]])
    expect(count('SELECT count(*) FROM bronze.iot_inventory_raw')).toBe(1)
    h!.gold.refreshAll()
    expect(stock()).toBe(before)
    // A late count of 5 May: recomputed from its day on, from 4 May's closing (the pruned day's row: its count of 103 less its 20 sales).
    h!.ingestInventory([
      { event_id: 'late', device_id: 'scanner-1', store_id: 'store_001', timestamp: `${DAYS[4]}T23:00:00Z`, product_id: 101, type: 'count', quantity: 7 },
    ])
    h!.process()
    h!.gold.refreshAll()
    expect(h!.db.prepare('SELECT opening_units, closing_units FROM gold.fact_inventory WHERE stock_date = ?').get(DAYS[4])).toEqual({
      opening_units: 83,
      closing_units: 7,
    })
  })

  it('the database files shrink, not only the row counts', async () => {
    await fiveDaysShippedButOne(2000)
    const before = databaseBytes(h!.db, 'bronze') + databaseBytes(h!.db, 'silver')
    const outcome = runRetention(h!.db, PUSH, NOW)
    const after = databaseBytes(h!.db, 'bronze') + databaseBytes(h!.db, 'silver')
    expect(outcome.prunedDays).toBe(4)
    expect(after).toBeLessThan(before * 0.5)
    expect(outcome.freedBytes).toBeGreaterThan(0)
    expect(h!.db.pragma('bronze.auto_vacuum', { simple: true })).toBe(2) // INCREMENTAL, set when the file was made
  })

  it('nothing is pruned while silver or gold is behind, nor days newer than salesDays, nor with central not having pulled', async () => {
    await fiveDaysShippedButOne(10)
    h!.ingest([seedSale({ timestamp: '2025-05-10T10:00:00Z' })]) // in bronze, not yet in silver
    expect(runRetention(h!.db, { ...PUSH, catchUpWaitMs: 0 }, NOW)).toMatchObject({ salesWait: 'silver is 1 sales behind bronze', prunedDays: 0 })
    h!.process()
    expect(runRetention(h!.db, { ...PUSH, catchUpWaitMs: 0 }, NOW)).toMatchObject({ salesWait: 'gold has 1 silver changes to apply', prunedDays: 0 })
    h!.gold.refreshAll()
    expect(runRetention(h!.db, { ...PUSH, salesDays: 60 }, NOW)).toMatchObject({ salesWait: null, prunedDays: 0 })
    // Pulled by central instead (no target): only what central acknowledged.
    const pull = { ...PUSH, targets: [] }
    expect(runRetention(h!.db, pull, NOW).prunedDays).toBe(0)
    acknowledgePull(h!.db, 2, lastSeq(h!.db))
    expect(runRetention(h!.db, pull, NOW).prunedDays).toBe(2)
  })

  it('rejects: past rejectsDays they go; over rejectsMaxMiB the oldest go at the commit, counted', () => {
    h = new SilverHarness()
    const store = new BronzeStore(h.db, {
      maxPayloadBytes: 262144,
      maxBatchItems: 1000,
      minorUnitDigits: 2,
      rejectPayloadKeepBytes: 1024,
      rejectsMaxBytes: 50_000,
    })
    const junk = (atMs: number): { topic: string; clientId: string; payload: Buffer; payloadBytes: number; receivedAtMs: number } => {
      const payload = Buffer.from(`not json ${'x'.repeat(990)}`)
      return { topic: 'stores/store_001/devices/d1/sales', clientId: 'd1', payload, payloadBytes: payload.length, receivedAtMs: atMs }
    }
    store.commit(Array.from({ length: 30 }, () => junk(Date.parse('2025-05-01T10:00:00Z'))))
    expect(count('SELECT count(*) FROM bronze.iot_sales_rejects')).toBe(30)
    // A flood: the table keeps under 50,000 bytes of payload, the oldest dropped and counted.
    for (let i = 0; i < 20; i++) store.commit(Array.from({ length: 10 }, () => junk(Date.parse('2025-06-19T10:00:00Z'))))
    expect(count('SELECT sum(length(payload)) FROM bronze.iot_sales_rejects')).toBeLessThanOrEqual(50_000)
    const dropped = count("SELECT value FROM bronze.bronze_state WHERE name = 'rejects_dropped'")
    expect(dropped + count('SELECT count(*) FROM bronze.iot_sales_rejects')).toBe(230)
    expect(count("SELECT count(*) FROM bronze.iot_sales_rejects WHERE received_at < '2025-06-01'")).toBe(0) // the oldest went first
    // Past 14 days: gone at the retention run.
    store.commit([junk(Date.parse('2025-06-01T10:00:00Z'))])
    const outcome = runRetention(h.db, PUSH, NOW)
    expect(outcome.rejectRows).toBe(1)
    expect(count("SELECT count(*) FROM bronze.iot_sales_rejects WHERE received_at < '2025-06-06'")).toBe(0)
  })

  it('gold of pruned days past goldDays goes, every table; the day is never snapshotted again; undelivered days keep theirs', async () => {
    await fiveDaysShippedButOne(5)
    const outcome = runRetention(h!.db, { ...PUSH, goldDays: 35 }, NOW) // cutoff 16 May: 1-4 May delivered, 5 May not
    expect(outcome.goldDays).toBe(4)
    expect(h!.db.prepare('SELECT DISTINCT sale_date FROM gold.fact_daily_sales ORDER BY 1').pluck().all()).toEqual(['2025-05-05'])
    for (const table of GOLD_TABLE_NAMES) expect(count(`SELECT count(*) FROM gold.${table} WHERE sale_date < '2025-05-05'`)).toBe(0)
    // A damaged copy of 1 May, or a late sale for it: no new (empty) version, the sale quarantined.
    markDamaged(h!.db, 'store_001-2025-05-01-v1')
    expect(daysToRemake(h!.db)).toEqual([])
    h!.ingest([seedSale({ timestamp: '2025-05-01T10:00:00Z' })])
    h!.process()
    h!.gold.refreshAll()
    const before = count('SELECT count(*) FROM snapshots')
    makeSnapshots()
    expect(count('SELECT count(*) FROM snapshots')).toBe(before)
    expect(h!.db.prepare('SELECT rule FROM silver.sales_quarantine').pluck().all()).toEqual(['day_pruned'])
    expect(count('SELECT count(*) FROM silver.pruned_days WHERE gold_pruned_at IS NOT NULL')).toBe(4)
  })

  it("gold's refresh log keeps only what snapshots have not read, and its newest row", async () => {
    await fiveDaysShippedButOne(5)
    h!.gold.rebuild()
    const newest = count('SELECT max(seq) FROM gold.refreshed_days')
    runRetention(h!.db, PUSH, NOW)
    // The rebuild's refreshes are not snapshotted yet: kept.
    expect(count('SELECT count(*) FROM gold.refreshed_days')).toBeGreaterThanOrEqual(5)
    makeSnapshots()
    runRetention(h!.db, PUSH, NOW)
    expect(h!.db.prepare('SELECT seq FROM gold.refreshed_days').pluck().all()).toEqual([newest])
  })
})

describe('files made before auto-vacuum (release 0.1.0)', () => {
  const dir = makeTempDir()
  afterEach(() => dir.remove())

  it('are converted to incremental vacuum once, when there is room for the rewrite', () => {
    const file = join(dir.path, 'old.db')
    const old = new Database(file)
    old.exec(
      'CREATE TABLE t (x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t SELECT hex(randomblob(500)) FROM n',
    )
    old.close()
    const db = new Database(':memory:')
    db.prepare('ATTACH DATABASE ? AS old').run(file)
    expect(db.pragma('old.auto_vacuum', { simple: true })).toBe(0)
    expect(enableIncrementalVacuum(db, 'old', 1000)).toBe(false) // no room: left as it is, tried at the next start
    expect(db.pragma('old.auto_vacuum', { simple: true })).toBe(0)
    expect(enableIncrementalVacuum(db, 'old', 1e12)).toBe(true)
    expect(db.pragma('old.auto_vacuum', { simple: true })).toBe(2)
    expect(enableIncrementalVacuum(db, 'old', 1e12)).toBe(false) // once
    expect(db.prepare('SELECT count(*) FROM old.t').pluck().get()).toBe(2000)
    db.close()
  })
})
