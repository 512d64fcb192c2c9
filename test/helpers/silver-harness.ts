import { afterEach } from 'vitest'
import { Readable } from 'node:stream'
import { BronzeStore } from '../../src/bronze/bronze-store.js'
import type { ExpectationConfig } from '../../src/config/schema.js'
import type { SqliteDatabase } from '../../src/db/open.js'
import { DIMENSIONS } from '../../src/silver/dims/dimension-spec.js'
import { importDimension, type ImportSummary } from '../../src/silver/dims/import-dimension.js'
import { Expectations } from '../../src/silver/expectations.js'
import { GoldRefresher } from '../../src/gold/gold-refresher.js'
import { ALL_GOLD_TABLE_NAMES } from '../../src/gold/gold-tables.js'
import { SalesEnricher, type DimensionName } from '../../src/silver/sales-enricher.js'
import { makeTempDir } from './temp-dir.js'
import { eventTopic, type EventKind } from '../../src/contract/device-topic.js'
import { openMigrated } from '../../src/schemas.js'

export interface SilverRow {
  bronze_id: number
  event_id: string | null
  store_id: string
  product_id: number
  product_name: string
  category: string
  customer_id: number | null
  customer_name: string
  region: string
  store_name: string
  price: number
  price_minor: number
  quantity: number
  amount_minor: number
  sale_ts: string
  sale_date: string
  sale_hour: number
  timezone: string
  unknown_product: number
  unknown_customer: number
  unknown_store: number
  warnings: string | null
}

/** A gold table's rows in primary-key order, as JSON: equal strings mean byte-identical content. */
export function dumpGold(db: SqliteDatabase): string {
  return JSON.stringify(Object.fromEntries(ALL_GOLD_TABLE_NAMES.map((name) => [name, db.prepare(`SELECT * FROM gold.${name}`).raw().all()])))
}

/**
 * Bronze -> silver -> gold without a broker: sales go through the real bronze store (validation,
 * dedupe), then the real enricher; dimensions through the real import. Real SQLite files.
 */
export class SilverHarness {
  readonly dir = makeTempDir()
  readonly db: SqliteDatabase
  readonly enricher: SalesEnricher
  readonly gold: GoldRefresher
  private readonly bronze: BronzeStore

  constructor(options: { defaultTimezone?: string; expectations?: ExpectationConfig[]; now?: () => number } = {}) {
    // All layers attached, as the daemon's threads have them.
    this.db = openMigrated(this.dir.path)
    this.gold = new GoldRefresher(this.db, options.now)
    this.bronze = new BronzeStore(this.db, { maxPayloadBytes: 262144, maxBatchItems: 1000, minorUnitDigits: 2, rejectPayloadKeepBytes: 1024 })
    this.enricher = new SalesEnricher(this.db, {
      defaultTimezone: options.defaultTimezone ?? 'UTC',
      minorUnitDigits: 2,
      expectations: new Expectations(options.expectations ?? [], 2),
      batchRows: 1000,
      now: options.now,
    })
  }

  /** Stores sales (and voids) in bronze as a device's messages would (`received` defaults to each one's time). */
  ingest(sales: Record<string, unknown>[], receivedAtMs?: number): void {
    this.commitEvents('sales', sales, receivedAtMs)
  }

  /** Stores inventory events in bronze as a device's messages on its inventory topic. */
  ingestInventory(events: Record<string, unknown>[], receivedAtMs?: number): void {
    this.commitEvents('inventory', events, receivedAtMs)
  }

  private commitEvents(kind: EventKind, events: Record<string, unknown>[], receivedAtMs?: number): void {
    const messages = events.map((event) => {
      const payload = Buffer.from(JSON.stringify(event))
      return {
        topic: eventTopic({ storeId: event.store_id as string, deviceId: event.device_id as string }, kind),
        clientId: event.device_id as string,
        payload,
        payloadBytes: payload.length,
        receivedAtMs: receivedAtMs ?? Date.parse(event.timestamp as string),
      }
    })
    const result = this.bronze.commit(messages)
    if (result.rejected > 0) throw new Error(`bronze refused a test ${kind} event: ${JSON.stringify(result.rejectReasons)}`)
  }

  /** Stores raw payloads (bad ones included) as one device's messages; returns rejects. */
  ingestRaw(payloads: string[], storeId: string, deviceId: string): number {
    const messages = payloads.map((text) => {
      const payload = Buffer.from(text)
      return { topic: `stores/${storeId}/devices/${deviceId}/sales`, clientId: deviceId, payload, payloadBytes: payload.length, receivedAtMs: Date.now() }
    })
    return this.bronze.commit(messages).rejected
  }

  /** Enriches until caught up (or stopped by a fail expectation). */
  process(): void {
    for (;;) {
      const outcome = this.enricher.processNext()
      if (outcome.rows === 0 && outcome.voids === 0 && outcome.inventory === 0) return
    }
  }

  importDims(dimension: DimensionName, text: string, asOfMs = Date.now(), format: 'csv' | 'jsonl' = 'csv'): Promise<ImportSummary> {
    return importDimension(this.db, this.enricher, DIMENSIONS[dimension], Readable.from([Buffer.from(text)]), format, { asOfMs })
  }

  silver(): SilverRow[] {
    return this.db.prepare('SELECT * FROM silver.sales_enriched ORDER BY bronze_id').all() as SilverRow[]
  }

  changedDays(): string[] {
    return this.db.prepare("SELECT DISTINCT store_id || ' ' || sale_date AS day FROM silver.day_changes ORDER BY day").pluck().all() as string[]
  }

  close(): void {
    this.db.close()
    this.dir.remove()
  }
}

export const PRODUCTS_CSV = 'product_id,product_name,category\n101,Espresso,Beverages\n102,Croissant,Bakery\n'
export const CUSTOMERS_CSV = 'customer_id,customer_name,region\n1001,Ada Lovelace,North\n1002,Grace Hopper,South\n'
export const STORES_CSV = 'store_id,store_name,region,timezone\nstore_001,Downtown,North,America/New_York\nstore_002,Harbour,West,Europe/Paris\n'

/**
 * For a test file: `opened(h)` notes a harness, and every harness noted is closed after each test,
 * whether it passed or not.
 */
export function closedAfterEach(): (h: SilverHarness) => SilverHarness {
  const harnesses: SilverHarness[] = []
  afterEach(() => {
    for (const h of harnesses.splice(0)) h.close()
  })
  return (h) => (harnesses.push(h), h)
}
