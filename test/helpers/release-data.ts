import Database from 'better-sqlite3'
import { join } from 'node:path'

/** Reading a release's data directory as it is on disk, for the upgrade tests (test/upgrade/). */
export const FILES = { main: 'gateway.db', bronze: 'bronze.db', silver: 'silver.db', gold: 'gold.db' } as const
/**
 * Tables whose rows are progress, not data (job_runs: each job's last run; schema_owners: each
 * owner's migration step, which a release with a new step moves on): they move on when the new release runs.
 */
export const PROGRESS = new Set([
  'main.job_runs',
  'main.schema_owners',
  'main.snapshot_state',
  'main.outbox',
  'main.delivery_state',
  'silver.pipeline_state',
  'silver.day_changes',
  'gold.pipeline_state',
  'gold.refreshed_days',
])

export interface TableRows {
  columns: string[]
  rows: string[]
}

/** Every table of every file as it is on disk, each row as JSON of its columns, read without migrating anything. */
export function readTables(dataDir: string, only?: Map<string, TableRows>): Map<string, TableRows> {
  const tables = new Map<string, TableRows>()
  for (const [schema, file] of Object.entries(FILES)) {
    const db = new Database(join(dataDir, file), { readonly: true })
    try {
      const names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]
      for (const name of names) {
        const key = `${schema}.${name}`
        const columns = only?.get(key)?.columns ?? (db.pragma(`table_info(${name})`) as { name: string }[]).map((column) => column.name)
        if (only !== undefined && !only.has(key)) continue
        const rows = (
          db
            .prepare(`SELECT ${columns.map((column) => `"${column}"`).join(', ')} FROM "${name}"`)
            .raw()
            .all() as unknown[][]
        ).map((row) => JSON.stringify(row))
        tables.set(key, { columns, rows: rows.sort() })
      }
    } finally {
      db.close()
    }
  }
  return tables
}
