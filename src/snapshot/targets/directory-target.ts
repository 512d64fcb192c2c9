import { join, resolve, sep } from 'node:path'
import { writeFileDurableAsync } from '../../util/durable-fs.js'
import type { UploadTarget } from './upload-target.js'

/**
 * A local or mounted directory (NFS, SMB, a USB disk). Each object is written under a temporary
 * name, fsynced and renamed into place (the directories it made fsynced too), so a reader never
 * sees half a file and a shipped object survives a power cut.
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
    await writeFileDurableAsync(path, bytes)
  }
}
