import type { SqliteDatabase } from './open.js'

/** Whether `schema` has `table`: a file of an older release, read without migrating it, may lack one. */
export function hasTable(db: SqliteDatabase, schema: string, table: string): boolean {
  return db.prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = ?`).pluck().get(table) !== undefined
}
