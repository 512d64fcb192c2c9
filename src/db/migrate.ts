import type Database from 'better-sqlite3'
import { MedallionError } from '../errors.js'

/**
 * Ordered DDL steps of one schema. Step i brings `PRAGMA user_version` from i to i + 1; a step
 * is never edited once released, only appended to. `{schema}` is replaced by the schema name.
 */
export type Migrations = readonly string[]

/** Applies the steps a schema has not seen yet, each in its own transaction with its version bump. */
export function migrate(db: Database.Database, schema: string, migrations: Migrations): void {
  const current = db.pragma(`${schema}.user_version`, { simple: true }) as number
  if (current > migrations.length) {
    throw new MedallionError(
      'SCHEMA_TOO_NEW',
      `${schema} schema version ${current} is newer than this program knows (${migrations.length}); ` +
        'run the newer medallion-edge or restore a backup',
    )
  }
  for (let version = current; version < migrations.length; version++) {
    const step = migrations[version]!.replaceAll('{schema}', schema)
    db.transaction(() => {
      db.exec(step)
      db.pragma(`${schema}.user_version = ${version + 1}`)
    })()
  }
}
