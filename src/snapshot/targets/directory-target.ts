import { randomBytes } from 'node:crypto'
import { mkdir, open, rename } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import type { UploadTarget } from './upload-target.js'

/**
 * A local or mounted directory (NFS, SMB, a USB disk). Each object is written under a temporary
 * name, fsynced and renamed into place, so a reader never sees half a file.
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
    await mkdir(dirname(path), { recursive: true })
    const temp = `${path}.tmp-${randomBytes(4).toString('hex')}`
    const file = await open(temp, 'w')
    try {
      await file.writeFile(bytes)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
    // The rename is durable only once the directory entry is: fsync the directory too.
    const directory = await open(dirname(path), 'r')
    try {
      await directory.sync()
    } finally {
      await directory.close()
    }
  }
}
