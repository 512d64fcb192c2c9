import type { Config } from '../config/schema.js'
import type { SqliteDatabase } from '../db/open.js'
import { Expectations } from './expectations.js'
import { SalesEnricher } from './sales-enricher.js'

/** The parts of the config that say how sales are enriched. */
export type EnrichmentConfig = Pick<Config, 'timezone' | 'currency' | 'silver'>

/** The enricher as the config defines it (zone, currency, rules): the pipeline's and the commands'. */
export function enricherFromConfig(db: SqliteDatabase, config: Readonly<EnrichmentConfig>, options: { budgetMs?: number } = {}): SalesEnricher {
  return new SalesEnricher(db, {
    defaultTimezone: config.timezone,
    minorUnitDigits: config.currency.minorUnitDigits,
    expectations: new Expectations(config.silver.expectations, config.currency.minorUnitDigits),
    batchRows: config.silver.batchRows,
    budgetMs: options.budgetMs,
  })
}
