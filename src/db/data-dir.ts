import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { userInfo } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { MedallionError } from '../errors.js'

function whoAmI(): string {
  try {
    const user = userInfo()
    return `user ${user.username} (uid ${user.uid})`
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`
  }
}

function userName(): string {
  try {
    return userInfo().username
  } catch {
    return String(process.getuid?.() ?? 'USER')
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK | constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The data directory's files and folders the daemon writes: the databases, their WAL files, the lock, the snapshots. */
const WRITTEN = /^(?:[a-z]+\.db(?:-wal|-shm)?|daemon\.(?:lock|pid)|snapshots|downloads)$/

/** The first entry of the data directory the daemon writes and this user cannot, with its owner and mode; undefined if none. */
function unwritableEntry(dir: string): string | undefined {
  for (const name of readdirSync(dir).sort()) {
    if (!WRITTEN.test(name)) continue
    const path = join(dir, name)
    try {
      const stats = statSync(path)
      accessSync(path, stats.isDirectory() ? constants.W_OK | constants.X_OK : constants.W_OK)
    } catch (error) {
      // Gone meanwhile (another process closed the last connection of a WAL file): nothing to write.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      const stats = statSync(path, { throwIfNoEntry: false })
      if (stats === undefined) continue
      return `${path} (owner uid ${stats.uid}, gid ${stats.gid}, mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')})`
    }
  }
  return undefined
}

/**
 * The data directory, made when missing (its last level only: the parent must exist); one
 * MedallionError naming the path and what is wrong when it cannot be used (a file, not writable,
 * on a read-only mount, a file in it the daemon's user cannot write). Never a recursive mkdir: under
 * a directory that refuses new entries for good it can loop forever in Node (seen under /proc).
 */
export function ensureDataDir(dataDir: string): void {
  const dir = resolve(dataDir)
  const fail = (why: string): never => {
    throw new MedallionError('DATA_DIR_UNUSABLE', `data directory ${dir}: ${why}`)
  }
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) fail('is a file, not a directory')
    if (!writable(dir)) fail(`is not writable by ${whoAmI()} (systemd: check StateDirectory= or ReadWritePaths=)`)
    // A file another user left (a command run as root while the daemon was stopped): SQLite would
    // say only "attempt to write a readonly database", naming no file.
    const stuck = unwritableEntry(dir)
    if (stuck !== undefined) fail(`${stuck} is not writable by ${whoAmI()}: give the directory back to that user (chown -R ${userName()}: ${dir})`)
    return
  }
  // Only the last level is made: a typo in dataDir (/var/lib/medallion-egde/data) must not start an
  // empty gateway under a new tree nobody looks at.
  const parent = dirname(dir)
  if (!existsSync(parent)) fail(`cannot be created: its parent ${parent} does not exist (is dataDir spelled right? create the parent first)`)
  if (!statSync(parent).isDirectory()) fail(`cannot be created: ${parent} is a file`)
  if (!writable(parent)) fail(`cannot be created: ${parent} is not writable by ${whoAmI()}`)
  try {
    mkdirSync(dir)
  } catch (cause) {
    // Another command started at the same moment made it (a provisioning script): fine.
    if ((cause as { code?: string }).code === 'EEXIST' && statSync(dir).isDirectory()) return
    fail(`cannot be created: ${(cause as Error).message}`)
  }
}
