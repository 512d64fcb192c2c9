import type { Config } from '../config/schema.js'
import type { SqliteDatabase } from '../db/open.js'
import { Expectations } from './expectations.js'
import { SalesEnricher } from './sales-enricher.js'

/** The enricher as the config defines it (zone, currency, rules), for the commands that enrich. */
export function enricherFromConfig(db: SqliteDatabase, config: Readonly<Config>): SalesEnricher {
  return new SalesEnricher(db, {
    defaultTimezone: config.timezone,
    minorUnitDigits: config.currency.minorUnitDigits,
    expectations: new Expectations(config.silver.expectations, config.currency.minorUnitDigits),
    batchRows: config.silver.batchRows,
  })
}
