import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import { mkdir, open, rename } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'

/** fsyncs a file or a directory (a directory's entries: what a rename or a create changed). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** fsyncs every file and directory under `root`, and `root` itself: the tree survives a power cut. */
export function fsyncTree(root: string): void {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name)
    if (entry.isDirectory()) fsyncTree(path)
    else fsyncPath(path)
  }
  fsyncPath(root)
}

/** The directories from `dir` up to the parent of `created` (the first one mkdir made). */
function madeDirectories(dir: string, created: string | undefined): string[] {
  if (created === undefined) return []
  const made: string[] = []
  for (let at = dir; ; at = dirname(at)) {
    made.push(at)
    if (at === created || dirname(at) === at) break
  }
  made.push(dirname(created))
  return made
}

/** mkdir -p whose new entries survive a power cut: every directory it made, and its parent, fsynced. */
export function mkdirDurable(dir: string): void {
  for (const path of madeDirectories(dir, mkdirSync(dir, { recursive: true }))) fsyncPath(path)
}

/** Writes under a temporary name, fsyncs, renames, fsyncs the directory: all or nothing, durably. */
export function writeFileDurable(path: string, bytes: Uint8Array | string): void {
  renameSync(stageFileDurable(path, bytes), path)
  fsyncPath(dirname(path))
}

async function fsyncPathAsync(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * A temporary name next to `path`, unique, that `isTemporaryName` recognises. Hidden (a leading
 * dot): a file a crash left between its write and its rename is skipped by every lake reader
 * (pyarrow, Spark and pandas skip `.` and `_` names; globs on `*.parquet` do not match it), so it
 * is never read twice next to the file it was to become.
 */
function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMPORARY_MARK}${randomBytes(4).toString('hex')}`)
}

const TEMPORARY_MARK = '.tmp-'

/** A file name a staged write (maybe cut short by a crash) left. */
export function isTemporaryName(name: string): boolean {
  return name.includes(TEMPORARY_MARK)
}

/**
 * Writes `bytes` durably under a temporary name next to `path` (its directories made durably) and
 * returns that name: rename it to `path`, then fsync the directory, to land it.
 */
export function stageFileDurable(path: string, bytes: Uint8Array | string): string {
  mkdirDurable(dirname(path))
  const temp = temporaryName(path)
  writeFileSync(temp, bytes)
  fsyncPath(temp)
  return temp
}

/** writeFileDurable without blocking the event loop (the broker's thread ships uploads). */
export async function writeFileDurableAsync(path: string, bytes: Uint8Array): Promise<void> {
  for (const made of madeDirectories(dirname(path), await mkdir(dirname(path), { recursive: true }))) await fsyncPathAsync(made)
  const temp = temporaryName(path)
  const file = await open(temp, 'w')
  try {
    await file.writeFile(bytes)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temp, path)
  await fsyncPathAsync(dirname(path))
}
