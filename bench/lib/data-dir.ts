import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** A bench's data directory path, its parent made: the daemon makes only the last level of a dataDir. */
export function benchDataDir(...parts: string[]): string {
  const dir = join(...parts)
  mkdirSync(dirname(dir), { recursive: true })
  return dir
}
