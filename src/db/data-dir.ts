import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs'
import { userInfo } from 'node:os'
import { dirname, resolve } from 'node:path'
import { MedallionError } from '../errors.js'

function whoAmI(): string {
  try {
    const user = userInfo()
    return `user ${user.username} (uid ${user.uid})`
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`
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

/**
 * The data directory, made when missing; one MedallionError naming the path and what is wrong
 * when it cannot be used (a file, not writable, on a read-only mount). The nearest existing
 * ancestor is checked first: a recursive mkdir under a directory that refuses new entries for good
 * can loop forever in Node (seen under /proc), and its error names no path an operator can act on.
 */
export function ensureDataDir(dataDir: string): void {
  const dir = resolve(dataDir)
  const fail = (why: string): never => {
    throw new MedallionError('DATA_DIR_UNUSABLE', `data directory ${dir}: ${why}`)
  }
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) fail('is a file, not a directory')
    if (!writable(dir)) fail(`is not writable by ${whoAmI()} (systemd: check StateDirectory= or ReadWritePaths=)`)
    return
  }
  const missing = [dir]
  let ancestor = dirname(dir)
  while (!existsSync(ancestor)) {
    missing.unshift(ancestor)
    ancestor = dirname(ancestor)
  }
  if (!statSync(ancestor).isDirectory()) fail(`cannot be created: ${ancestor} is a file`)
  if (!writable(ancestor)) fail(`cannot be created: ${ancestor} is not writable by ${whoAmI()}`)
  // One level at a time (not recursive): each refusal is an error, never a retry loop.
  for (const level of missing) {
    try {
      mkdirSync(level)
    } catch (cause) {
      // Another command started at the same moment made it (a provisioning script): fine.
      if ((cause as { code?: string }).code === 'EEXIST' && statSync(level).isDirectory()) continue
      fail(`cannot be created: ${(cause as Error).message}`)
    }
  }
}
