import { forgetFiles } from '../snapshot/snapshot-catalog.js'
import Database from 'better-sqlite3'
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { databaseFile, openDatabase } from '../db/open.js'
import { MedallionError } from '../errors.js'
import { snapshotDir } from '../snapshot/snapshot-dir.js'
import { sha256File } from '../util/digest.js'
import { fsyncPath, fsyncTree, writeFileDurable } from '../util/durable-fs.js'
import { BACKUP_FORMAT, BACKUP_MANIFEST, BACKUP_ORDER, quickCheck, type BackupManifest } from './backup-manifest.js'

export interface BackupOptions {
  dataDir: string
  /** A directory that does not exist yet, or an empty one. */
  out: string
  version: string
  /** The config file in use, copied along (null: the embedded default). */
  configFile: string | null
  now?: () => number
}

/**
 * A consistent copy of a data directory, taken next to the running daemon (docs/operations.md):
 * each database with `VACUUM INTO` (SQLite's online copy: one read transaction, so writers go on
 * and the copy is one committed state; compact, with no WAL to carry), in BACKUP_ORDER; then the
 * snapshot directories the copied gateway.db records (immutable once written); then a manifest
 * with each file's SHA-256. Written under a hidden name and renamed into place when complete: a
 * directory named `out` is always a whole backup.
 */
export function createBackup(options: BackupOptions): BackupManifest {
  const dataDir = resolve(options.dataDir)
  const out = resolve(options.out)
  for (const { schema, file } of BACKUP_ORDER) {
    if (!existsSync(databaseFile(dataDir, schema))) {
      throw new MedallionError('BACKUP_FAILED', `${join(dataDir, file)} does not exist: not a medallion-edge data directory, or the daemon never ran on it`)
    }
  }
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0)) {
    throw new MedallionError('BACKUP_FAILED', `${out} already exists and is not an empty directory: give a new one`)
  }
  const staging = join(dirname(out), `.${basename(out)}.partial-${process.pid}`)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true, mode: 0o700 })
  try {
    const manifest = writeBackup(dataDir, staging, options)
    if (existsSync(out)) rmSync(out, { recursive: true })
    renameSync(staging, out)
    fsyncPath(dirname(out))
    return manifest
  } catch (error) {
    rmSync(staging, { recursive: true, force: true })
    const message = (error as Error).message
    if (error instanceof MedallionError) throw error
    throw new MedallionError(
      'BACKUP_FAILED',
      `backup to ${out} failed: ${/SQLITE_FULL|ENOSPC|disk is full/i.test(`${(error as { code?: string }).code} ${message}`) ? 'no space left on its disk' : message}`,
      { cause: error },
    )
  }
}

function writeBackup(dataDir: string, staging: string, options: BackupOptions): BackupManifest {
  const createdAt = new Date((options.now ?? Date.now)()).toISOString()
  // Read-only: a backup never migrates or writes the data directory it copies.
  const db = openDatabase({ dataDir, attach: ['bronze', 'silver', 'gold'], readonly: true })
  try {
    for (const { schema, file } of BACKUP_ORDER) db.prepare(`VACUUM ${schema} INTO ?`).run(join(staging, file))
  } finally {
    db.close()
  }
  const snapshots = copySnapshots(dataDir, staging)
  const databases = BACKUP_ORDER.map(({ file }) => {
    const path = join(staging, file)
    const problem = quickCheck(path)
    if (problem !== null) throw new MedallionError('BACKUP_FAILED', `the copy of ${file} fails SQLite's quick_check: ${problem}`)
    const copy = new Database(path, { readonly: true })
    const schemaVersion = copy.pragma('user_version', { simple: true }) as number
    copy.close()
    return { file, bytes: statSync(path).size, sha256: sha256File(path), schema_version: schemaVersion }
  })
  if (options.configFile !== null) copyFileSync(options.configFile, join(staging, 'config.json'))
  fsyncTree(staging)
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    created_at: createdAt,
    medallion_edge_version: options.version,
    data_dir: dataDir,
    databases,
    snapshots,
    config_file: options.configFile === null ? null : resolve(options.configFile),
  }
  writeFileDurable(join(staging, BACKUP_MANIFEST), JSON.stringify(manifest, null, 2) + '\n')
  return manifest
}

/**
 * The snapshot directories the copied gateway.db says are on disk. One the disk bound removed
 * since (it was delivered) is marked so in the copy, as the daemon would have.
 */
function copySnapshots(dataDir: string, staging: string): BackupManifest['snapshots'] {
  const gateway = new Database(join(staging, 'gateway.db'))
  try {
    const onDisk = gateway.prepare('SELECT snapshot_id FROM snapshots WHERE on_disk = 1 ORDER BY seq').pluck().all() as string[]
    let count = 0
    let bytes = 0
    for (const id of onDisk) {
      const source = join(snapshotDir(dataDir), id)
      try {
        cpSync(source, join(staging, 'snapshots', id), { recursive: true, errorOnExist: true })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        rmSync(join(staging, 'snapshots', id), { recursive: true, force: true })
        forgetFiles(gateway, id)
        continue
      }
      count++
      bytes += treeBytes(join(staging, 'snapshots', id))
    }
    return { count, bytes }
  } finally {
    gateway.close()
  }
}

function treeBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    total += entry.isDirectory() ? treeBytes(join(dir, entry.name)) : statSync(join(dir, entry.name)).size
  }
  return total
}
