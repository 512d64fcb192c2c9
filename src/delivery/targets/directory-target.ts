import { readdir, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { isTemporaryName, writeFileDurableAsync } from '../../util/durable-fs.js'
import type { UploadTarget } from './upload-target.js'

/** A staged file of another object this old is a crash's leftover, not a write under way. */
const LEFTOVER_AGE_MS = 60 * 60 * 1000

/**
 * A local or mounted directory (NFS, SMB, a USB disk). Each object is written under a temporary
 * name, fsynced and renamed into place (the directories it made fsynced too), so a reader never
 * sees half a file and a shipped object survives a power cut. A kill -9 between the write and the
 * rename leaves the hidden staged file: the next put in that directory removes the ones of the
 * same object at once (uploads run one at a time) and others once they are an hour old (another
 * gateway may be writing `_manifests/` now).
 */
export class DirectoryTarget implements UploadTarget {
  readonly name = 'directory'
  private readonly root: string

  constructor(root: string) {
    this.root = resolve(root)
  }

  async put(key: string, bytes: Uint8Array, _contentType?: string): Promise<void> {
    const path = resolve(join(this.root, key))
    if (!path.startsWith(this.root + sep)) throw new Error(`key ${key} leaves the target directory`)
    await removeLeftovers(path)
    await writeFileDurableAsync(path, bytes)
  }

  async removeStaged(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const path = resolve(join(this.root, key))
      if (path.startsWith(this.root + sep)) await removeLeftovers(path, { othersToo: false })
    }
  }
}

async function removeLeftovers(path: string, options = { othersToo: true }): Promise<void> {
  const dir = dirname(path)
  const own = `.${basename(path)}.tmp-`
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names.filter(isTemporaryName)) {
    const file = join(dir, name)
    const leftover =
      name.startsWith(own) || (options.othersToo && Date.now() - (await stat(file).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs > LEFTOVER_AGE_MS)
    if (leftover) await rm(file, { force: true })
  }
}
