import type { Statement } from 'better-sqlite3'
import { lockedTransaction } from '../db/locked-transaction.js'
import { upsertSql } from '../db/upsert-sql.js'
import type { SqliteDatabase } from '../db/open.js'
import { MedallionError } from '../errors.js'
import { parseRfc3339 } from '../contract/timestamp.js'
import { Expectations, type Violation } from './expectations.js'
import type { ExpectationConfig } from '../config/schema.js'
import { LocalTimeCache } from './local-time.js'
import { DimensionCache } from './dimension-cache.js'
import { dayChangeMarker } from './day-changes.js'
import { SaleVoids, type SilverLine, type VoidedLines } from './sale-voids.js'
import { InventoryEnricher } from './inventory-enricher.js'
import { StockOnHand, type StockSale } from './stock-on-hand.js'
import { UNKNOWN } from './schema.js'
import { NEW_SALE_COLUMNS, newSaleOf, type JoinedSale } from './joined-sale.js'

function stockSaleOf(line: SilverLine): StockSale {
  return { storeId: line.store_id, productId: line.product_id, quantity: line.quantity, tsMs: line.sale_ts_ms, saleDate: line.sale_date, voided: false }
}

/** A bronze sale's columns for the re-enrichment's reads (named rows, bronze aliased `b`). */
const BRONZE_COLUMNS = NEW_SALE_COLUMNS.split(', ')
  .map((column) => `b.${column}`)
  .join(', ')
/** Point-in-time joins: each dimension's version whose [valid_from, valid_to) holds the sale time. */
const JOINED_COLUMNS = `${BRONZE_COLUMNS},
  p.product_name, p.category, c.customer_name, c.region AS customer_region,
  s.store_name, s.region AS store_region, s.timezone AS store_timezone`
const DIMENSION_JOINS = `
  LEFT JOIN silver.dim_product p
    ON p.product_id = b.product_id AND p.valid_from_ms <= b.sale_ts_ms AND b.sale_ts_ms < p.valid_to_ms
  LEFT JOIN silver.dim_customer c
    ON c.customer_id = b.customer_id AND c.valid_from_ms <= b.sale_ts_ms AND b.sale_ts_ms < c.valid_to_ms
  LEFT JOIN silver.dim_store s
    ON s.store_id = b.store_id AND s.valid_from_ms <= b.sale_ts_ms AND b.sale_ts_ms < s.valid_to_ms`

/**
 * Which silver rows a dimension change touches: the member's sales from the new version's start on.
 * A new member can only have unknown sales (small partial indexes); a changed member's sales since
 * the change are found through the time index. No index on (member, time): with members in random
 * order it dirtied a random page per insert and halved silver's speed at 1M rows.
 */
const AFFECTED = {
  product: { member: 'e.unknown_product = 1 AND e.product_id = @key AND e.sale_ts_ms >= @fromMs', changed: 'e.sale_ts_ms >= @fromMs AND e.product_id = @key' },
  customer: {
    member: 'e.unknown_customer = 1 AND e.customer_id = @key AND e.sale_ts_ms >= @fromMs',
    changed: 'e.sale_ts_ms >= @fromMs AND e.customer_id = @key',
  },
  store: { member: 'e.unknown_store = 1 AND e.store_id = @key AND e.sale_ts_ms >= @fromMs', changed: 'e.sale_ts_ms >= @fromMs AND e.store_id = @key' },
} as const

export type DimensionName = keyof typeof AFFECTED

/** No zone is further than 14 hours from UTC (Pacific/Kiritimati). */
const MAX_UTC_OFFSET_MS = 14 * 3_600_000
const DAY_MS = 86_400_000

const ANONYMOUS = 'Anonymous'

/**
 * A row of silver.sales_enriched as the enricher writes it, in table order (schema.ts has the
 * column comments; a test checks the order against the table). Bound by position: binding by name
 * measured 15% slower for the whole enricher (47.4-50.2k rows/s against 55.8-56.8k, bench/silver.ts,
 * alternating), and silver's rate bounds the sustained ingest rate.
 */
type EnrichedSale = [
  bronze_id: number,
  event_id: string | null,
  device_id: string,
  store_id: string,
  product_id: number,
  product_name: string,
  category: string,
  customer_id: number | null,
  customer_name: string,
  region: string,
  store_name: string,
  store_region: string,
  price: number,
  price_minor: number,
  quantity: number,
  amount_minor: number,
  order_id: string | null,
  sale_ts: string,
  sale_ts_ms: number,
  sale_date: string,
  sale_hour: number,
  timezone: string,
  unknown_product: 0 | 1,
  unknown_customer: 0 | 1,
  unknown_store: 0 | 1,
  warnings: string | null,
  enriched_at: string,
  refund_of: string | null,
  return_reason: string | null,
  voided_by: number | null,
]

/** The insert's column list: EnrichedSale's labels (the compiler checks the count, test/silver/enriched-columns.test.ts the names against the table). */
export const ENRICHED_COLUMNS = [
  'bronze_id',
  'event_id',
  'device_id',
  'store_id',
  'product_id',
  'product_name',
  'category',
  'customer_id',
  'customer_name',
  'region',
  'store_name',
  'store_region',
  'price',
  'price_minor',
  'quantity',
  'amount_minor',
  'order_id',
  'sale_ts',
  'sale_ts_ms',
  'sale_date',
  'sale_hour',
  'timezone',
  'unknown_product',
  'unknown_customer',
  'unknown_store',
  'warnings',
  'enriched_at',
  'refund_of',
  'return_reason',
  'voided_by',
] as const satisfies { length: EnrichedSale['length'] }

export interface EnricherOptions {
  defaultTimezone: string
  minorUnitDigits: number
  expectations: Expectations
  batchRows: number
  /** A batch stops early after this long (a bronze group may be waiting behind it). */
  budgetMs?: number
  /** Bronze rows read at a time within a batch (default READ_PAGE_ROWS). */
  readPageRows?: number
  now?: () => number
}

export interface BatchOutcome {
  /** Bronze rows consumed (enriched, quarantined). */
  rows: number
  enriched: number
  quarantined: number
  warned: number
  watermark: number
  /** Voids taken from bronze (silver/sale-voids.ts). */
  voids: number
  /** Inventory events taken from bronze (silver/inventory-enricher.ts). */
  inventory: number
  /** A `fail` expectation stopped the pipeline at this sale. */
  failure?: PipelineFailure
}

export interface PipelineFailure {
  rule: string
  bronzeId: number
  detail: string
}

/** Bronze rows a silver batch reads at a time (a batch may span several reads, in one transaction). */
const READ_PAGE_ROWS = 2000

/** Counts of one unit of work, written with it. */
class BatchLog {
  readonly days = new Set<string>()

  /**
   * @param marksDays whether the days touched go to silver.day_changes (gold recomputes them whole).
   *   New sales do not: gold adds them up from silver by bronze id. Changes to rows gold has seen do.
   */
  constructor(private readonly marksDays: boolean) {}
  readonly violations = new Map<string, { action: string; count: number }>()
  enriched = 0
  quarantined = 0
  warned = 0

  day(storeId: string, date: string): void {
    if (this.marksDays) this.days.add(storeId + '\u0000' + date)
  }

  violated(violation: Violation): void {
    const entry = this.violations.get(violation.rule)
    if (entry) entry.count++
    else this.violations.set(violation.rule, { action: violation.action, count: 1 })
  }
}

/**
 * Bronze -> silver: point-in-time enrichment with dimension fallbacks, store-local dates,
 * expectations, and the marks gold reads to know which days changed. One transaction per batch,
 * with the watermark: a restart resumes exactly after the last committed batch.
 */
export class SalesEnricher {
  private readonly localTime = new LocalTimeCache()
  private readonly dimensions: DimensionCache
  private readonly now: () => number
  private readonly scale: number
  private readonly selectNew
  private readonly selectAffected: Record<DimensionName, { member: Statement<unknown[]>; changed: Statement<unknown[]> }>
  private readonly upsertSilver
  private readonly deleteSilver
  private readonly selectRebuild
  private readonly selectQuarantinedOfStore
  private readonly deleteQuarantine
  private readonly insertQuarantine
  private readonly markDayChange
  private readonly voids: SaleVoids
  private readonly inventory: InventoryEnricher
  private readonly onHand: StockOnHand
  private readonly voidedLines: VoidedLines
  private readonly upsertViolations
  private readonly readState
  private readonly writeState
  private readonly deleteState
  private readonly newestPruned
  private readonly prunedDay
  /** The newest day retention pruned, read at the start of each transaction ('' for none). */
  private prunedThrough = ''

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: EnricherOptions,
  ) {
    this.now = options.now ?? Date.now
    this.scale = 10 ** options.minorUnitDigits
    this.dimensions = new DimensionCache(db)
    this.selectNew = db.prepare(`SELECT ${NEW_SALE_COLUMNS} FROM bronze.iot_sales_raw WHERE id > ? ORDER BY id LIMIT ?`).raw()
    const affected = (where: string): Statement<unknown[]> =>
      db.prepare<unknown[]>(`
      SELECT ${JOINED_COLUMNS}, e.store_id AS old_store_id, e.sale_date AS old_sale_date, e.voided_by AS old_voided_by
      FROM silver.sales_enriched e JOIN bronze.iot_sales_raw b ON b.id = e.bronze_id ${DIMENSION_JOINS}
      WHERE ${where}`)
    const both = (where: { member: string; changed: string }): { member: Statement<unknown[]>; changed: Statement<unknown[]> } => ({
      member: affected(where.member),
      changed: affected(where.changed),
    })
    this.selectAffected = { product: both(AFFECTED.product), customer: both(AFFECTED.customer), store: both(AFFECTED.store) }
    this.upsertSilver = db.prepare<EnrichedSale>(upsertSql('silver.sales_enriched', ENRICHED_COLUMNS, 'bronze_id'))
    this.deleteSilver = db.prepare('DELETE FROM silver.sales_enriched WHERE bronze_id = ?')
    this.selectRebuild = db.prepare(`
      SELECT ${JOINED_COLUMNS}, e.store_id AS old_store_id, e.sale_date AS old_sale_date, e.voided_by AS old_voided_by
      FROM bronze.iot_sales_raw b LEFT JOIN silver.sales_enriched e ON e.bronze_id = b.id ${DIMENSION_JOINS}
      WHERE b.id > ? AND b.id <= ? AND b.sale_ts_ms BETWEEN ? AND ? ORDER BY b.id LIMIT ?`)
    this.deleteQuarantine = db.prepare('DELETE FROM silver.sales_quarantine WHERE bronze_id = ?')
    this.selectQuarantinedOfStore = db.prepare<unknown[]>(`
      SELECT ${JOINED_COLUMNS} FROM silver.sales_quarantine q JOIN bronze.iot_sales_raw b ON b.id = q.bronze_id ${DIMENSION_JOINS}
      WHERE q.store_id = ? AND q.sale_ts_ms >= ?`)
    this.insertQuarantine = db.prepare(`INSERT OR REPLACE INTO silver.sales_quarantine
      (bronze_id, rule, detail, device_id, store_id, sale_ts_ms, quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    this.markDayChange = dayChangeMarker(db)
    this.voids = new SaleVoids(db)
    this.onHand = new StockOnHand(db)
    this.inventory = new InventoryEnricher(db, this.dimensions, this.localTime, options.defaultTimezone, this.onHand, (storeId, date) =>
      this.markDayChange(storeId, date),
    )
    const findLine = db.prepare<[number], SilverLine>(
      'SELECT store_id, sale_date, voided_by, product_id, quantity, sale_ts_ms FROM silver.sales_enriched WHERE bronze_id = ?',
    )
    const markVoided = db.prepare('UPDATE silver.sales_enriched SET voided_by = ? WHERE bronze_id = ?')
    this.voidedLines = {
      find: (bronzeId) => findLine.get(bronzeId),
      markVoided: (bronzeId, voidId, line) => {
        markVoided.run(voidId, bronzeId)
        this.onHand.sale(stockSaleOf(line), -1)
        // Gold may have counted the line already: its day is recomputed whole.
        this.markDayChange(line.store_id, line.sale_date)
      },
    }
    this.newestPruned = db.prepare('SELECT max(sale_date) FROM silver.pruned_days').pluck()
    this.prunedDay = db.prepare('SELECT 1 FROM silver.pruned_days WHERE store_id = ? AND sale_date = ?').pluck()
    this.upsertViolations = db.prepare(`INSERT INTO silver.expectation_counts (rule, action, violations, last_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (rule) DO UPDATE SET action = excluded.action, violations = violations + excluded.violations, last_at = excluded.last_at`)
    this.readState = db.prepare<[string], { value: unknown }>('SELECT value FROM silver.pipeline_state WHERE name = ?')
    this.writeState = db.prepare('INSERT OR REPLACE INTO silver.pipeline_state (name, value) VALUES (?, ?)')
    this.deleteState = db.prepare('DELETE FROM silver.pipeline_state WHERE name = ?')
  }

  /** New data-quality rules (a config reload): the next batch checks them. */
  useExpectations(rules: readonly ExpectationConfig[], minorUnitDigits: number): void {
    this.options.expectations = new Expectations(rules, minorUnitDigits)
  }

  /** The last bronze id silver has consumed. */
  watermark(): number {
    return (this.readState.get('bronze_watermark')?.value as number | undefined) ?? 0
  }

  /** The failure that stopped the pipeline, if any. */
  failure(): PipelineFailure | undefined {
    const value = this.readState.get('failure')?.value
    return typeof value === 'string' ? (JSON.parse(value) as PipelineFailure) : undefined
  }

  /**
   * Enriches the next batch of bronze rows after the watermark, in one transaction with the new
   * watermark. Stops before a sale that violates a `fail` expectation and records the failure.
   */
  processNext(): BatchOutcome {
    return lockedTransaction(this.db, 'silver', (): BatchOutcome => {
      this.readPrunedThrough()
      this.dimensions.refresh()
      this.voids.refresh()
      this.onHand.begin()
      const start = this.watermark()
      const log = new BatchLog(false)
      const enrichedAt = new Date(this.now()).toISOString()
      let watermark = start
      let failure: PipelineFailure | undefined
      let consumed = 0
      const deadline = performance.now() + (this.options.budgetMs ?? Number.POSITIVE_INFINITY)
      // Read in pages: a batch of many rows (one commit) without holding them all in memory at once.
      const pageRows = Math.max(1, this.options.readPageRows ?? READ_PAGE_ROWS)
      reading: while (consumed < this.options.batchRows && (consumed === 0 || performance.now() <= deadline)) {
        const want = Math.min(pageRows, this.options.batchRows - consumed)
        const rows = (this.selectNew.all(watermark, want) as unknown[][]).map(newSaleOf)
        this.dimensions.customer.prefetch(rows.map((row) => row.customer_id))
        for (const row of rows) {
          if (consumed > 0 && performance.now() > deadline) break reading
          this.joinDimensions(row)
          const violations = this.apply(row, enrichedAt, log, true)
          const fatal = violations.find((violation) => violation.action === 'fail')
          if (fatal) {
            failure = { rule: fatal.rule, bronzeId: row.id, detail: fatal.detail }
            break reading
          }
          watermark = row.id
          consumed++
        }
        if (rows.length < want) break
      }
      this.finish(log, enrichedAt)
      if (watermark !== start) this.writeState.run('bronze_watermark', watermark)
      // Voids after the sales of the batch: a void's line received in it is in silver now.
      const voidsFrom = (this.readState.get('voids_watermark')?.value as number | undefined) ?? 0
      // A page of voids and of stock events a batch (they have no time budget): more in the next one.
      const sideRows = Math.min(pageRows, this.options.batchRows)
      const voidsTo = this.voids.takeNew(voidsFrom, sideRows, enrichedAt, this.voidedLines)
      if (voidsTo !== voidsFrom) this.writeState.run('voids_watermark', voidsTo)
      // Inventory events: gold takes new ones by this watermark, as it takes new sales.
      const inventoryFrom = (this.readState.get('inventory_watermark')?.value as number | undefined) ?? 0
      const inventoryTo = this.inventory.takeNew(inventoryFrom, sideRows, enrichedAt)
      if (inventoryTo !== inventoryFrom) this.writeState.run('inventory_watermark', inventoryTo)
      this.onHand.flush()
      if (failure) this.writeState.run('failure', JSON.stringify(failure))
      else if (consumed > 0) this.deleteState.run('failure')
      return {
        rows: consumed,
        enriched: log.enriched,
        quarantined: log.quarantined,
        warned: log.warned,
        watermark,
        voids: voidsTo - voidsFrom,
        inventory: inventoryTo - inventoryFrom,
        failure,
      }
    })
  }

  /** The dimension versions valid at the sale's time, as the point-in-time joins give them. */
  private joinDimensions(row: JoinedSale): void {
    const product = this.dimensions.product.at(row.product_id, row.sale_ts_ms)
    row.product_name = product?.product_name ?? null
    row.category = product?.category ?? null
    const customer = row.customer_id === null ? undefined : this.dimensions.customer.at(row.customer_id, row.sale_ts_ms)
    row.customer_name = customer?.customer_name ?? null
    row.customer_region = customer?.region ?? null
    const store = this.dimensions.store.at(row.store_id, row.sale_ts_ms)
    row.store_name = store?.store_name ?? null
    row.store_region = store?.region ?? null
    row.store_timezone = store?.timezone ?? null
  }

  /**
   * Re-enriches the silver rows a dimension change touches (the member's sales from `fromMs` on:
   * for a new member only its unknown ones) and marks their old and new days changed. Runs inside
   * the caller's transaction (the import's). A `fail` expectation throws, so the import rolls back.
   */
  reenrich(dimension: DimensionName, key: number | string, fromMs: number, newMember: boolean): number {
    // An import on this very connection (data_version only tells of other connections' commits).
    this.dimensions.clear()
    const statements = this.selectAffected[dimension]
    const rows = (newMember ? statements.member : statements.changed).all({ key, fromMs }) as JoinedSale[]
    if (dimension === 'store' && newMember) {
      // Sales a rule dropped because their store was unknown (known_store) get their chance again.
      rows.push(...(this.selectQuarantinedOfStore.all(key, fromMs) as JoinedSale[]))
    }
    const log = new BatchLog(true)
    const enrichedAt = new Date(this.now()).toISOString()
    this.readPrunedThrough()
    this.voids.refresh()
    this.onHand.begin()
    this.redo(rows, log, enrichedAt)
    const movements = dimension === 'customer' ? 0 : this.inventory.reenrich(dimension, key, fromMs, enrichedAt)
    this.onHand.flush()
    return rows.length + movements
  }

  /**
   * Recomputes silver for bronze rows up to the watermark (after a rule change, say), a chunk at a
   * time in bronze order: sales of local dates outside [fromDate, toDate] are left as they are.
   * Runs in its own transaction per chunk; returns the rows looked at and where to go on.
   */
  rebuildChunk(afterId: number, range: { fromDate?: string; toDate?: string }, chunkRows: number): { seen: number; rebuilt: number; lastId: number } {
    // The instants that can fall on the range's local dates, in any zone.
    const loMs = range.fromDate ? Date.parse(`${range.fromDate}T00:00:00Z`) - MAX_UTC_OFFSET_MS : Number.MIN_SAFE_INTEGER
    const hiMs = range.toDate ? Date.parse(`${range.toDate}T00:00:00Z`) + DAY_MS + MAX_UTC_OFFSET_MS : Number.MAX_SAFE_INTEGER
    return lockedTransaction(this.db, 'silver', () => {
      this.readPrunedThrough()
      this.voids.refresh()
      this.onHand.begin()
      const rows = this.selectRebuild.all(afterId, this.watermark(), loMs, hiMs, chunkRows) as JoinedSale[]
      const within = (date: string | undefined): boolean =>
        date !== undefined && (range.fromDate === undefined || date >= range.fromDate) && (range.toDate === undefined || date <= range.toDate)
      // A sale is in the range when its new local date is, or its old one was (it may move out).
      const inRange = rows.filter(
        (row) => within(this.localTime.at(row.sale_ts_ms, row.store_timezone ?? this.options.defaultTimezone).date) || within(row.old_sale_date ?? undefined),
      )
      const log = new BatchLog(true)
      this.redo(inRange, log, new Date(this.now()).toISOString())
      this.onHand.flush()
      return { seen: rows.length, rebuilt: inRange.length, lastId: rows.at(-1)?.id ?? afterId }
    })
  }

  /**
   * Enriches rows again (their old day marked changed too): each leaves quarantine first, and goes
   * back only if a rule drops it again. A `fail` expectation throws.
   */
  private redo(rows: JoinedSale[], log: BatchLog, enrichedAt: string): void {
    for (const row of rows) {
      this.deleteQuarantine.run(row.id)
      if (row.old_sale_date) log.day(row.old_store_id!, row.old_sale_date)
      const fatal = this.apply(row, enrichedAt, log, false).find((violation) => violation.action === 'fail')
      if (fatal) {
        throw new MedallionError('EXPECTATION_FAILED', `expectation ${fatal.rule} fails for bronze sale ${row.id}: ${fatal.detail}`)
      }
    }
    this.finish(log, enrichedAt)
  }

  /** Writes one sale to silver or to quarantine; returns its violations (a `fail` writes nothing). */
  private apply(row: JoinedSale, enrichedAt: string, log: BatchLog, countViolations: boolean): Violation[] {
    const storeKnown = row.store_name !== null
    const violations = this.options.expectations.check({
      priceMinor: row.price_minor,
      saleTsMs: row.sale_ts_ms,
      receivedAtMs: row.received_at_ms ?? parseRfc3339(row.received_at) ?? row.sale_ts_ms,
      storeKnown,
    })
    if (violations.some((violation) => violation.action === 'fail')) return violations
    // A sale is counted against a rule once, when it first comes through, not at each re-enrichment.
    if (countViolations) for (const violation of violations) log.violated(violation)
    const drop = violations.find((violation) => violation.action === 'drop')
    if (drop) {
      this.deleteSilver.run(row.id)
      this.takeBackFromStock(row)
      this.insertQuarantine.run(row.id, drop.rule, drop.detail, row.device_id, row.store_id, row.sale_ts_ms, enrichedAt)
      log.quarantined++
      return violations
    }
    const timezone = row.store_timezone ?? this.options.defaultTimezone
    const local = this.localTime.at(row.sale_ts_ms, timezone)
    if (this.isPrunedDay(row.store_id, local.date)) {
      // Retention pruned this store-day after delivering its snapshot: gold's figures for it are
      // final. The sale is kept here, visible, and counted nowhere.
      this.deleteSilver.run(row.id)
      this.takeBackFromStock(row)
      this.insertQuarantine.run(
        row.id,
        'day_pruned',
        `${row.store_id} ${local.date} was pruned by retention after its snapshot was delivered: not counted`,
        row.device_id,
        row.store_id,
        row.sale_ts_ms,
        enrichedAt,
      )
      log.quarantined++
      return violations
    }
    const anonymous = row.customer_id === null
    const unknownCustomer = !anonymous && row.customer_name === null
    const warnings = violations.length > 0 ? violations.map((violation) => violation.rule).join(',') : null
    const voidedBy = this.voids.voidOf(row, local.date, enrichedAt)
    this.upsertSilver.run(
      row.id,
      row.event_id,
      row.device_id,
      row.store_id,
      row.product_id,
      row.product_name ?? UNKNOWN,
      row.category ?? UNKNOWN,
      row.customer_id,
      anonymous ? ANONYMOUS : (row.customer_name ?? UNKNOWN),
      anonymous ? ANONYMOUS : (row.customer_region ?? UNKNOWN),
      row.store_name ?? UNKNOWN,
      row.store_region ?? UNKNOWN,
      row.price_minor / this.scale,
      row.price_minor,
      row.quantity,
      row.price_minor * row.quantity,
      row.order_id,
      new Date(row.sale_ts_ms).toISOString(),
      row.sale_ts_ms,
      local.date,
      local.hour,
      timezone,
      row.product_name === null ? 1 : 0,
      unknownCustomer ? 1 : 0,
      storeKnown ? 0 : 1,
      warnings,
      enrichedAt,
      row.refund_of,
      row.return_reason,
      voidedBy,
    )
    this.takeBackFromStock(row)
    if (this.onHand.keepsStockOf(row.store_id)) {
      const sale = { storeId: row.store_id, productId: row.product_id, quantity: row.quantity, tsMs: row.sale_ts_ms, saleDate: local.date }
      this.onHand.sale({ ...sale, voided: voidedBy !== null }, 1)
    }
    log.day(row.store_id, local.date)
    log.enriched++
    if (warnings !== null) log.warned++
    return violations
  }

  /** A re-enriched sale's old silver row no longer counts against its stock as it did. */
  private takeBackFromStock(row: JoinedSale): void {
    if (row.old_sale_date === undefined || row.old_sale_date === null) return
    const old = { storeId: row.old_store_id!, productId: row.product_id, quantity: row.quantity, tsMs: row.sale_ts_ms, saleDate: row.old_sale_date }
    this.onHand.sale({ ...old, voided: row.old_voided_by !== null && row.old_voided_by !== undefined }, -1)
  }

  private readPrunedThrough(): void {
    this.prunedThrough = (this.newestPruned.get() as string | null) ?? ''
  }

  /** Whether retention pruned the store-day. Only days up to the newest pruned one are looked up: new sales never are. */
  private isPrunedDay(storeId: string, date: string): boolean {
    return date <= this.prunedThrough && this.prunedDay.get(storeId, date) !== undefined
  }

  private finish(log: BatchLog, at: string): void {
    for (const day of log.days) {
      const [storeId, date] = day.split('\u0000') as [string, string]
      this.markDayChange(storeId, date)
    }
    for (const [rule, { action, count }] of log.violations) this.upsertViolations.run(rule, action, count, at)
  }
}
