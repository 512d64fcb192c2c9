import type { SqliteDatabase } from './open.js'

/**
 * Runs `work` in one transaction that takes the write lock of `schema` before anything is read.
 *
 * A plain (deferred) transaction that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT
 * when another process wrote in between (a `dims import` next to the daemon). BEGIN IMMEDIATE
 * would avoid that but locks every attached file, bronze.db included, and so would stall ingest.
 * A no-op UPDATE on a table of the schema (`pipeline_state`; gateway.db's `schema_owners`) locks
 * just that file, waiting for a concurrent writer up to busy_timeout. Reads of other files inside
 * `work` still see one consistent state (WAL read snapshot).
 */
export function lockedTransaction<T>(db: SqliteDatabase, schema: 'main' | 'silver' | 'gold', work: () => T): T {
  const lock = db.prepare(
    schema === 'main' ? 'UPDATE main.schema_owners SET version = version WHERE 0' : `UPDATE ${schema}.pipeline_state SET value = value WHERE 0`,
  )
  return db.transaction(() => {
    lock.run()
    return work()
  })()
}
