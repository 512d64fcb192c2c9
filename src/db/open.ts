import Database from 'better-sqlite3'
import { join } from 'node:path'
import { MedallionError } from '../errors.js'
import { ensureDataDir } from './data-dir.js'

/** The layers that live in their own file and are attached under their name. */
export type LayerName = 'bronze' | 'silver' | 'gold'

/** Every layer, in data-flow order. */
export const ALL_LAYERS: readonly LayerName[] = ['bronze', 'silver', 'gold']

export type SqliteDatabase = Database.Database

export interface OpenDatabaseOptions {
  dataDir: string
  /** Which layer files to attach besides the main `gateway.db`. */
  attach: readonly LayerName[]
  /**
   * FULL: every commit fsyncs the WAL (an acked sale survives power loss).
   * NORMAL: the WAL is fsynced at checkpoints only (survives a process crash, not power loss).
   */
  synchronous?: 'FULL' | 'NORMAL'
  /** Page cache per attached file, MiB. */
  cacheSizeMiB?: number
  readonly?: boolean
}

/** The file of each schema, so an analyst can `ATTACH 'bronze.db' AS bronze` the same way. */
export function databaseFile(dataDir: string, schema: 'main' | LayerName): string {
  return join(dataDir, schema === 'main' ? 'gateway.db' : `${schema}.db`)
}

/**
 * Opens `gateway.db` with the layer files attached under their names (`bronze.iot_sales_raw`),
 * all in WAL mode with an explicit `synchronous`. Migrations are the caller's (src/schemas.ts).
 */
export function openDatabase(options: OpenDatabaseOptions): SqliteDatabase {
  if (!options.readonly) ensureDataDir(options.dataDir)
  let db: SqliteDatabase
  try {
    db = new Database(databaseFile(options.dataDir, 'main'), { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false })
  } catch (cause) {
    throw new MedallionError('DATA_DIR_UNUSABLE', `${databaseFile(options.dataDir, 'main')}: ${(cause as Error).message}`, { cause })
  }
  try {
    db.pragma('busy_timeout = 5000')
    for (const layer of options.attach) {
      db.prepare('ATTACH DATABASE ? AS ' + layer).run(databaseFile(options.dataDir, layer))
    }
    for (const schema of ['main', ...options.attach]) {
      // A new file gives pages freed by deletions back to the filesystem on request (retention's
      // incremental_vacuum); only possible before its first table.
      if (!options.readonly && db.pragma(`${schema}.page_count`, { simple: true }) === 0) db.pragma(`${schema}.auto_vacuum = INCREMENTAL`)
      if (!options.readonly) db.pragma(`${schema}.journal_mode = WAL`)
      db.pragma(`${schema}.synchronous = ${options.synchronous ?? 'FULL'}`)
      if (options.cacheSizeMiB) db.pragma(`${schema}.cache_size = ${-options.cacheSizeMiB * 1024}`)
    }
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * gateway.db with every layer attached, for work that reads or prunes across the stages (the
 * snapshot and retention jobs, backup, the commands). Not migrated: the daemon migrated at start;
 * a command opens with `openMigrated` (src/schemas.ts).
 */
export function openAllLayers(dataDir: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): SqliteDatabase {
  return openDatabase({ dataDir, attach: ALL_LAYERS, synchronous })
}
