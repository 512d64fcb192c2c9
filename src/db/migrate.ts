import type Database from 'better-sqlite3'
import { MedallionError } from '../errors.js'

/**
 * Ordered DDL steps of one schema. Step i brings `PRAGMA user_version` from i to i + 1; a step
 * is never edited once released, only appended to. `{schema}` is replaced by the schema name.
 */
export type Migrations = readonly string[]

/**
 * Applies the steps a schema has not seen yet, each in its own transaction with its version bump.
 * Two processes may open a new data directory at once (three `devices add` in a script): each step
 * reads the version again under the write lock (BEGIN IMMEDIATE), so it runs once.
 */
export function migrate(db: Database.Database, schema: string, migrations: Migrations): void {
  const version = (): number => {
    const current = db.pragma(`${schema}.user_version`, { simple: true }) as number
    if (current > migrations.length) {
      throw new MedallionError(
        'SCHEMA_TOO_NEW',
        `${schema} schema version ${current} is newer than this program knows (${migrations.length}); ` + 'run the newer medallion-edge or restore a backup',
      )
    }
    return current
  }
  // Up to date (every open but the first): no write lock taken, a running daemon is not held up.
  if (version() === migrations.length) return
  const step = db.transaction((): boolean => {
    const current = version()
    if (current === migrations.length) return false
    db.exec(migrations[current]!.replaceAll('{schema}', schema))
    db.pragma(`${schema}.user_version = ${current + 1}`)
    return true
  })
  while (step.immediate()) {
    /* one step per transaction */
  }
}
