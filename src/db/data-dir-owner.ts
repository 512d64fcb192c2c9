import { lchownSync, lstatSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

/**
 * Gives what a command run as root made in the data directory back to the directory's owner (the
 * service user): the databases it restored, the WAL files SQLite created, the lock file, snapshot
 * files. Without it the daemon, started as that user, cannot write them and stops with "attempt to
 * write a readonly database". Nothing to do for any other user (they can only make their own files,
 * in a directory they may write). Returns how many entries changed owner.
 */
export function keepDataDirOwner(dataDir: string): number {
  if (process.geteuid?.() !== 0) return 0
  const dir = resolve(dataDir)
  let owner: { uid: number; gid: number }
  try {
    owner = lstatSync(dir)
  } catch {
    return 0
  }
  if (owner.uid === 0) return 0
  let changed = 0
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const entry = join(path, name)
      const stats = lstatSync(entry)
      if (stats.uid !== owner.uid || stats.gid !== owner.gid) {
        lchownSync(entry, owner.uid, owner.gid)
        changed++
      }
      if (stats.isDirectory()) walk(entry)
    }
  }
  walk(dir)
  return changed
}
