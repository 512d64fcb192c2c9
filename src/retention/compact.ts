import { existsSync, statSync } from 'node:fs'
import type { SqliteDatabase } from '../db/open.js'

/** PRAGMA auto_vacuum values. */
const INCREMENTAL = 2
/** Pages given back per step: 16 MiB of 4 KiB pages. */
const PAGES_PER_STEP = 4096

function fileOf(db: SqliteDatabase, schema: string): string | undefined {
  const list = db.pragma('database_list') as { name: string; file: string }[]
  return list.find((entry) => entry.name === schema)?.file || undefined
}

/** Bytes of a database file and its WAL (0 for what is not there). */
export function fileWithWalBytes(file: string): number {
  const size = (path: string): number => (existsSync(path) ? statSync(path).size : 0)
  return size(file) + size(`${file}-wal`)
}

/** Bytes of an attached database's file and its WAL. */
export function databaseBytes(db: SqliteDatabase, schema: string): number {
  const file = fileOf(db, schema)
  return file === undefined ? 0 : fileWithWalBytes(file)
}

/**
 * Gives pages freed by deletions back to the filesystem: `incremental_vacuum` on files in
 * INCREMENTAL auto-vacuum mode (new files are: db/open.ts), then the WAL truncated. Without it a
 * SQLite file reuses its free pages but never shrinks. Returns the bytes the files got smaller by.
 */
export function compactDatabases(db: SqliteDatabase, schemas: readonly string[]): number {
  let freed = 0
  for (const schema of schemas) {
    const before = databaseBytes(db, schema)
    if (db.pragma(`${schema}.auto_vacuum`, { simple: true }) === INCREMENTAL) {
      // A step at a time, each its own short write: bronze.db's is the ack path's lock.
      while ((db.pragma(`${schema}.freelist_count`, { simple: true }) as number) > 0) db.pragma(`${schema}.incremental_vacuum(${PAGES_PER_STEP})`)
    }
    // Another connection reading (the HTTP API) can keep part of the WAL: TRUNCATE does what it can.
    db.pragma(`${schema}.wal_checkpoint(TRUNCATE)`)
    freed += Math.max(0, before - databaseBytes(db, schema))
  }
  return freed
}

/**
 * Switches a file written before auto-vacuum was set (release 0.1.0) to INCREMENTAL, which takes
 * one VACUUM: the file is rewritten, which needs its size again in free space and holds its write
 * lock meanwhile. So it is done at the daemon's start, before any thread writes; false when the
 * file is already INCREMENTAL or there is not room enough (it is tried again at the next start).
 */
export function enableIncrementalVacuum(db: SqliteDatabase, schema: string, freeBytes: number): boolean {
  if (db.pragma(`${schema}.auto_vacuum`, { simple: true }) === INCREMENTAL) return false
  if (databaseBytes(db, schema) * 1.2 > freeBytes) return false
  db.pragma(`${schema}.auto_vacuum = INCREMENTAL`)
  db.exec(`VACUUM ${schema}`)
  return true
}
