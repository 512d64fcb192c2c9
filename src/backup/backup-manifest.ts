import Database from 'better-sqlite3'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MedallionError } from '../errors.js'
import { sha256File } from '../util/digest.js'

export const BACKUP_FORMAT = 1
export const BACKUP_MANIFEST = 'backup.json'

/**
 * The databases in the order a backup copies them: each one before the files it points into, so
 * every pointer in the copy finds its target (gateway.db's snapshot watermark is a gold refresh,
 * gold's watermark a silver change, silver's a bronze id). A later file only holds more: after a
 * restore silver and gold catch up on it, as after any restart.
 */
export const BACKUP_ORDER = [
  { schema: 'main', file: 'gateway.db' },
  { schema: 'gold', file: 'gold.db' },
  { schema: 'silver', file: 'silver.db' },
  { schema: 'bronze', file: 'bronze.db' },
] as const

export interface BackupManifest {
  format: typeof BACKUP_FORMAT
  created_at: string
  medallion_edge_version: string
  /** The data directory it was taken from. */
  data_dir: string
  databases: { file: string; bytes: number; sha256: string; schema_version: number }[]
  /** Snapshot directories copied into `snapshots/` (the delivered ones the disk bound removed are not there, as in the data directory). */
  snapshots: { count: number; bytes: number }
  /** The config file the backup was taken with, copied as `config.json` (it holds the tokens), or null. */
  config_file: string | null
}

function invalid(dir: string, why: string): never {
  throw new MedallionError('BACKUP_INVALID', `backup ${dir}: ${why}`)
}

/** Reads a backup's manifest, or says in one line why the directory is not a usable backup. */
export function readBackupManifest(dir: string): BackupManifest {
  const path = join(dir, BACKUP_MANIFEST)
  if (!existsSync(path)) invalid(dir, `no ${BACKUP_MANIFEST}: not a medallion-edge backup, or one cut short`)
  let manifest: BackupManifest
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as BackupManifest
  } catch (cause) {
    return invalid(dir, `${BACKUP_MANIFEST} is not JSON (${(cause as Error).message})`)
  }
  if (manifest.format !== BACKUP_FORMAT) invalid(dir, `format ${String(manifest.format)} is not one this medallion-edge reads (${BACKUP_FORMAT})`)
  const files = (manifest.databases ?? []).map((database) => database.file).sort()
  if (JSON.stringify(files) !== JSON.stringify(BACKUP_ORDER.map((entry) => entry.file).sort()))
    invalid(dir, `${BACKUP_MANIFEST} does not list the four databases`)
  return manifest
}

/** Checks every database of a backup against its manifest (size, SHA-256) and with SQLite's quick_check. */
export function verifyBackup(dir: string, manifest: BackupManifest): void {
  for (const database of manifest.databases) {
    const path = join(dir, database.file)
    if (!existsSync(path)) invalid(dir, `${database.file} is missing`)
    if (sha256File(path) !== database.sha256)
      invalid(dir, `${database.file} does not match its SHA-256 in ${BACKUP_MANIFEST}: damaged or changed since the backup`)
    const problem = quickCheck(path)
    if (problem !== null) invalid(dir, `${database.file} fails SQLite's quick_check: ${problem}`)
  }
}

/** null when SQLite finds the file sound, else its first complaint. */
export function quickCheck(path: string): string | null {
  let db: Database.Database | undefined
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
    const result = db.pragma('quick_check', { simple: true }) as string
    return result === 'ok' ? null : result
  } catch (cause) {
    return (cause as Error).message
  } finally {
    db?.close()
  }
}
