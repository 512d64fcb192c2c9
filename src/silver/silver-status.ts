import type { SqliteDatabase } from '../db/open.js'

/** What silver holds, how far it is behind bronze, its rules and dimensions, for `status`. */
export interface SilverStatus {
  sales: number
  watermark: number
  /** Bronze sales not enriched yet. */
  lagRows: number
  quarantined: number
  unknown: { product: number; customer: number; store: number }
  /** The fail expectation that stopped the pipeline, if any. */
  failure: unknown
  expectations: { rule: string; action: string; violations: number; lastAt: string }[]
  dimensions: Record<string, { members: number; versions: number }>
  sync: { dimension: string; lastSuccessAt: string | null; lastAttemptAt: string | null; lastError: string | null }[]
}

/** An expectation's violations, all time (silver.expectation_counts). */
export interface ExpectationViolations {
  rule: string
  action: string
  violations: number
}

/** Each expectation's violations, for the metrics: prepared once, on a connection with silver attached, and read at each scrape. */
export function expectationViolations(db: SqliteDatabase): () => ExpectationViolations[] {
  const select = db.prepare<[], ExpectationViolations>('SELECT rule, action, violations FROM silver.expectation_counts')
  return () => select.all()
}

/** The oldest store-local day silver still holds (retention's horizon), null when empty. */
export function oldestSilverDay(db: SqliteDatabase): string | null {
  // No index leads with the date: a scan, fine for a command, kept out of /metrics.
  return db.prepare('SELECT min(sale_date) FROM silver.sales_enriched').pluck().get() as string | null
}

/** The bronze id silver has enriched through (its watermark in pipeline_state). */
export function silverWatermark(db: SqliteDatabase): number {
  return (db.prepare("SELECT value FROM silver.pipeline_state WHERE name = 'bronze_watermark'").pluck().get() as number | undefined) ?? 0
}

/** Silver's status, read on a connection with bronze and silver attached. */
export function readSilverStatus(db: SqliteDatabase): SilverStatus {
  const one = <T>(sql: string): T => db.prepare(sql).get() as T
  const state = (name: string): unknown =>
    (db.prepare('SELECT value FROM silver.pipeline_state WHERE name = ?').get(name) as { value: unknown } | undefined)?.value
  const watermark = silverWatermark(db)
  const maxBronze = one<{ n: number | null }>('SELECT max(id) AS n FROM bronze.iot_sales_raw').n ?? 0
  const unknown = one<{ product: number; customer: number; store: number }>(`SELECT
    coalesce(sum(unknown_product), 0) AS product, coalesce(sum(unknown_customer), 0) AS customer, coalesce(sum(unknown_store), 0) AS store
    FROM silver.sales_enriched`)
  const failure = state('failure')
  const dimensions: Record<string, { members: number; versions: number }> = {}
  for (const [name, key] of [
    ['product', 'product_id'],
    ['customer', 'customer_id'],
    ['store', 'store_id'],
  ] as const) {
    dimensions[name] = one(`SELECT count(DISTINCT ${key}) AS members, count(*) AS versions FROM silver.dim_${name}`)
  }
  return {
    sales: one<{ n: number }>('SELECT count(*) AS n FROM silver.sales_enriched').n,
    watermark,
    lagRows: Math.max(0, maxBronze - watermark),
    quarantined: one<{ n: number }>('SELECT count(*) AS n FROM silver.sales_quarantine').n,
    unknown,
    failure: typeof failure === 'string' ? JSON.parse(failure) : null,
    expectations: db
      .prepare('SELECT rule, action, violations, last_at AS lastAt FROM silver.expectation_counts ORDER BY rule')
      .all() as SilverStatus['expectations'],
    dimensions,
    sync: db
      .prepare(
        'SELECT dimension, last_success_at AS lastSuccessAt, last_attempt_at AS lastAttemptAt, last_error AS lastError FROM silver.dim_sync ORDER BY dimension',
      )
      .all() as SilverStatus['sync'],
  }
}

/** The newest bronze sale silver holds enriched (its bronze id), 0 when none. */
export function newestEnrichedBronzeId(db: SqliteDatabase): number {
  return db.prepare('SELECT coalesce(max(bronze_id), 0) FROM silver.sales_enriched').pluck().get() as number
}
