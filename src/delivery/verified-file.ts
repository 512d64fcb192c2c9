import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256Hex } from '../util/digest.js'
import type { SnapshotManifest } from '../contract/snapshot-manifest.js'

/**
 * A snapshot file as its manifest vouches for it, or why not: 'missing' from the disk, or
 * 'damaged' (its bytes no longer hash to the manifest's sha256). Gold files are kilobytes: read
 * whole, so the hash is checked before a byte leaves.
 */
export async function readVerifiedFile(dir: string, snapshotId: string, file: SnapshotManifest['files'][number]): Promise<Buffer | 'missing' | 'damaged'> {
  let bytes: Buffer
  try {
    bytes = await readFile(join(dir, snapshotId, file.path))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw error
  }
  return sha256Hex(bytes) === file.sha256 ? bytes : 'damaged'
}
