import Database from 'better-sqlite3'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { MedallionError } from '../errors.js'

/** Whether a daemon holds the data directory, and how the last one ended (`status`). */
export interface DaemonState {
  running: boolean
  /**
   * running; stopped (it released the lock: a SIGTERM, or a start that failed); crashed (it never
   * released it: killed, crashed, power lost); never-ran (no daemon ever ran on this directory).
   */
  state: 'running' | 'stopped' | 'crashed' | 'never-ran'
  pid: number | null
  startedAt: string | null
  stoppedAt: string | null
  /** For a crashed daemon: the last time its database files were written, as near as it can be told. */
  lastWriteAt: string | null
}

const LOCK = 'daemon.lock'
/** The holder's pid; its mtime is when it took the lock. Gone after a clean stop. */
const PID = 'daemon.pid'
/** How the last daemon stopped cleanly: `{pid, started_at, stopped_at}`. */
const STOPPED = 'daemon.stopped'

/**
 * Another process may look at the lock (`status` takes a shared lock for a moment): a daemon
 * starting right then waits this long rather than call the directory in use.
 */
const BUSY_MS = 1000

/**
 * One daemon per data directory (docs/operations.md, "Files"). The lock is SQLite's own: an exclusive
 * transaction on `daemon.lock`, held by an open connection for the daemon's life. It is an fcntl
 * lock, so the kernel drops it with the process, also after kill -9 or a power loss; `daemon.pid`
 * beside it names the holder, and is removed at a clean stop, so one left behind with the lock free
 * tells a daemon that did not stop cleanly.
 */
export class DaemonLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly dataDir: string,
    private readonly holder: 'daemon' | 'command',
    private readonly startedAt: string,
  ) {}

  /** `holder` command: a command that needs the daemon stopped (restore); its release is not a daemon's stop. */
  static acquire(dataDir: string, holder: 'daemon' | 'command' = 'daemon'): DaemonLock {
    const db = new Database(join(dataDir, LOCK))
    try {
      db.pragma(`busy_timeout = ${BUSY_MS}`)
      db.pragma('locking_mode = EXCLUSIVE')
      db.exec('BEGIN EXCLUSIVE')
    } catch (cause) {
      db.close()
      if ((cause as { code?: string }).code !== 'SQLITE_BUSY') throw cause
      throw new MedallionError(
        'DATA_DIR_IN_USE',
        `data directory ${resolve(dataDir)} is in use by another medallion-edge${holderOf(dataDir)}: one daemon per data directory`,
        { cause },
      )
    }
    if (holder === 'daemon') writeFileSync(join(dataDir, PID), `${process.pid}\n`)
    return new DaemonLock(db, dataDir, holder, new Date().toISOString())
  }

  /** Lets go of the directory; a daemon notes its clean stop (and removes its pid file). */
  release(): void {
    if (this.holder === 'daemon') {
      writeFileSync(join(this.dataDir, STOPPED), JSON.stringify({ pid: process.pid, started_at: this.startedAt, stopped_at: new Date().toISOString() }) + '\n')
      rmSync(join(this.dataDir, PID), { force: true })
    }
    this.db.close()
  }

  /** Whether a daemon runs on the directory, or how the last one ended, without disturbing either. */
  static inspect(dataDir: string): DaemonState {
    const none = { pid: null, startedAt: null, stoppedAt: null, lastWriteAt: null }
    const pidFile = join(dataDir, PID)
    const pid = existsSync(pidFile)
      ? { pid: Number(readFileSync(pidFile, 'utf8').trim()) || null, startedAt: statSync(pidFile).mtime.toISOString() }
      : undefined
    if (isLocked(join(dataDir, LOCK))) return { ...none, ...pid, running: true, state: 'running' }
    if (pid !== undefined) return { ...none, ...pid, running: false, state: 'crashed', lastWriteAt: lastWrite(dataDir) }
    const stoppedFile = join(dataDir, STOPPED)
    if (existsSync(stoppedFile)) {
      const stopped = JSON.parse(readFileSync(stoppedFile, 'utf8')) as { pid: number; started_at: string; stopped_at: string }
      return { ...none, running: false, state: 'stopped', pid: stopped.pid, startedAt: stopped.started_at, stoppedAt: stopped.stopped_at }
    }
    return { ...none, running: false, state: 'never-ran' }
  }
}

/** Whether a connection holds `daemon.lock`: a read needs a shared lock, which the holder's exclusive one refuses. */
function isLocked(lockFile: string): boolean {
  if (!existsSync(lockFile)) return false
  const db = new Database(lockFile, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 0')
    db.prepare('SELECT count(*) FROM sqlite_master').get()
    return false
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true
    throw error
  } finally {
    db.close()
  }
}

/** The newest modification of the database files (their WAL files included). */
function lastWrite(dataDir: string): string | null {
  const times = readdirSync(dataDir)
    .filter((name) => /\.db(-wal)?$/.test(name))
    .map((name) => statSync(join(dataDir, name)).mtimeMs)
  return times.length === 0 ? null : new Date(Math.max(...times)).toISOString()
}

function holderOf(dataDir: string): string {
  try {
    return ` (pid ${readFileSync(join(dataDir, PID), 'utf8').trim()})`
  } catch {
    return ''
  }
}
