import type Database from 'better-sqlite3'
import { MedallionError } from '../errors.js'

/**
 * Ordered DDL steps of one schema. Step i brings its version from i to i + 1; a step is never
 * edited once released, only appended to. `{schema}` is replaced by the schema name.
 */
export type Migrations = readonly string[]

/** One owner's part of a file several owners share (gateway.db): its steps, versioned under its name. */
export interface OwnedSchema {
  owner: string
  migrations: Migrations
}

interface VersionStore {
  label: string
  read(): number
  write(version: number): void
}

/**
 * Applies the steps a file of one owner has not seen yet, versioned by `PRAGMA user_version`.
 * Two processes may open a new data directory at once (three `devices add` in a script): each step
 * reads the version again under the write lock (BEGIN IMMEDIATE), so it runs once.
 */
export function migrate(db: Database.Database, schema: string, migrations: Migrations): void {
  applySteps(db, schema, migrations, {
    label: schema,
    read: () => db.pragma(`${schema}.user_version`, { simple: true }) as number,
    write: (version) => db.pragma(`${schema}.user_version = ${version}`),
  })
}

/**
 * Applies each owner's pending steps to a file several owners share. Each owner's version is a row
 * of `{schema}.schema_owners`; `user_version` = `legacy.length` says the file is kept so. A file
 * from before (user_version 0 to `legacy.length - 1`, one sequence for every owner) is converted
 * first: `legacy[v]` is how far each owner's steps had got at user_version v. Owners run in the
 * order given: a step may read the tables of an owner before it.
 */
export function migrateOwned(db: Database.Database, schema: string, owners: readonly OwnedSchema[], legacy: readonly Readonly<Record<string, number>>[]): void {
  const format = legacy.length
  const fileFormat = (): number => {
    const current = db.pragma(`${schema}.user_version`, { simple: true }) as number
    if (current > format) throw tooNew(schema, current, format)
    return current
  }
  if (fileFormat() < format) {
    db.transaction(() => {
      const current = fileFormat()
      if (current === format) return
      db.exec(`CREATE TABLE ${schema}.schema_owners (owner TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT`)
      const note = db.prepare(`INSERT INTO ${schema}.schema_owners (owner, version) VALUES (?, ?)`)
      for (const [owner, version] of Object.entries(legacy[current]!)) note.run(owner, version)
      db.pragma(`${schema}.user_version = ${format}`)
    }).immediate()
  }
  const read = db.prepare(`SELECT coalesce((SELECT version FROM ${schema}.schema_owners WHERE owner = ?), 0)`).pluck()
  const write = db.prepare(`INSERT OR REPLACE INTO ${schema}.schema_owners (owner, version) VALUES (?, ?)`)
  for (const { owner, migrations } of owners) {
    applySteps(db, schema, migrations, { label: `${schema} (${owner})`, read: () => read.get(owner) as number, write: (version) => write.run(owner, version) })
  }
}

function applySteps(db: Database.Database, schema: string, migrations: Migrations, store: VersionStore): void {
  const version = (): number => {
    const current = store.read()
    if (current > migrations.length) throw tooNew(store.label, current, migrations.length)
    return current
  }
  // Up to date (every open but the first): no write lock taken, a running daemon is not held up.
  if (version() === migrations.length) return
  const step = db.transaction((): boolean => {
    const current = version()
    if (current === migrations.length) return false
    db.exec(migrations[current]!.replaceAll('{schema}', schema))
    store.write(current + 1)
    return true
  })
  while (step.immediate()) {
    /* one step per transaction */
  }
}

function tooNew(label: string, version: number, known: number): MedallionError {
  return new MedallionError(
    'SCHEMA_TOO_NEW',
    `${label} schema version ${version} is newer than this program knows (${known}); run the newer medallion-edge or restore a backup`,
  )
}
