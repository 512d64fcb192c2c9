import Database from 'better-sqlite3'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { MedallionError } from '../errors.js'

/**
 * One daemon per data directory (docs/operations.md, "Files"). The lock is SQLite's own: an exclusive
 * transaction on `daemon.lock`, held by an open connection for the daemon's life. It is an fcntl
 * lock, so the kernel drops it with the process, also after kill -9 or a power loss (no stale pid
 * file to clean up); `daemon.pid` beside it only names the holder in the refusal.
 */
export class DaemonLock {
  private constructor(private readonly db: Database.Database) {}

  static acquire(dataDir: string): DaemonLock {
    const db = new Database(join(dataDir, 'daemon.lock'))
    try {
      db.pragma('busy_timeout = 0')
      db.pragma('locking_mode = EXCLUSIVE')
      db.exec('BEGIN EXCLUSIVE')
    } catch (cause) {
      db.close()
      if ((cause as { code?: string }).code !== 'SQLITE_BUSY') throw cause
      throw new MedallionError(
        'DATA_DIR_IN_USE',
        `data directory ${resolve(dataDir)} is in use by another medallion-edge${holder(dataDir)}: one daemon per data directory`,
        { cause },
      )
    }
    writeFileSync(join(dataDir, 'daemon.pid'), `${process.pid}\n`)
    return new DaemonLock(db)
  }

  release(): void {
    this.db.close()
  }
}

function holder(dataDir: string): string {
  try {
    return ` (pid ${readFileSync(join(dataDir, 'daemon.pid'), 'utf8').trim()})`
  } catch {
    return ''
  }
}
