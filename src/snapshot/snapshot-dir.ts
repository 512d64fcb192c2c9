import { join } from 'node:path'

/** Where the snapshot directories live in the data directory. */
export function snapshotDir(dataDir: string): string {
  return join(dataDir, 'snapshots')
}
