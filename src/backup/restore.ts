import { copyFileSync, cpSync, existsSync, mkdirSync, renameSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DaemonLock } from '../db/daemon-lock.js'
import { ensureDataDir } from '../db/data-dir.js'
import { MedallionError } from '../errors.js'
import { forgetInstanceId } from '../snapshot/snapshot-catalog.js'
import { openMigrated } from '../schemas.js'
import { snapshotDir } from '../snapshot/snapshot-dir.js'
import { fsyncPath, fsyncTree } from '../util/durable-fs.js'
import { BACKUP_ORDER, readBackupManifest, verifyBackup, type BackupManifest } from './backup-manifest.js'

export interface RestoreOutcome {
  manifest: BackupManifest
  /** Where the data the restore replaced was moved (inside the data directory), or null when there was none. */
  setAside: string | null
}

/**
 * Puts a backup in place of a data directory's databases and snapshots, with the daemon stopped
 * (its lock is taken for the whole restore, so one cannot start meanwhile). The backup is checked
 * first (SHA-256, quick_check): a damaged one changes nothing. What it replaces is moved, not
 * deleted, to `before-restore-{time}/` in the data directory. Central's pull starts over (the
 * gateway gets a new instance id: the snapshot numbering continues from the backup's).
 */
export function restoreBackup(options: { dataDir: string; from: string; now?: () => number }): RestoreOutcome {
  const from = resolve(options.from)
  const dataDir = resolve(options.dataDir)
  const manifest = readBackupManifest(from)
  verifyBackup(from, manifest)
  ensureDataDir(dataDir)
  let lock: DaemonLock
  try {
    lock = DaemonLock.acquire(dataDir, 'command')
  } catch (error) {
    if (error instanceof MedallionError && error.code === 'DATA_DIR_IN_USE') {
      throw new MedallionError('DATA_DIR_IN_USE', `${error.message}; stop it before restoring (systemctl stop medallion-edge)`, { cause: error })
    }
    throw error
  }
  try {
    const stamp = new Date((options.now ?? Date.now)()).toISOString().replaceAll(':', '-')
    const setAside = moveAside(dataDir, join(dataDir, `before-restore-${stamp}`))
    for (const { file } of BACKUP_ORDER) {
      const staged = join(dataDir, `.${file}.restore-tmp`)
      copyFileSync(join(from, file), staged)
      fsyncPath(staged)
      renameSync(staged, join(dataDir, file))
    }
    if (existsSync(join(from, 'snapshots'))) {
      cpSync(join(from, 'snapshots'), snapshotDir(dataDir), { recursive: true })
      fsyncTree(snapshotDir(dataDir))
    }
    fsyncPath(dataDir)
    // Opened once as the daemon opens it: migrated if the backup is older, WAL mode back on.
    const db = openMigrated(dataDir)
    try {
      forgetInstanceId(db)
    } finally {
      db.close()
    }
    return { manifest, setAside }
  } finally {
    lock.release()
  }
}

/** Moves the databases (with their WAL: it may hold committed transactions) and the snapshots aside. */
function moveAside(dataDir: string, aside: string): string | null {
  const names = [...BACKUP_ORDER.flatMap(({ file }) => [file, `${file}-wal`, `${file}-shm`]), 'snapshots']
  const present = names.filter((name) => existsSync(join(dataDir, name)))
  if (present.length === 0) return null
  mkdirSync(aside, { mode: 0o700 })
  for (const name of present) renameSync(join(dataDir, name), join(aside, name))
  fsyncPath(aside)
  fsyncPath(dataDir)
  return aside
}
