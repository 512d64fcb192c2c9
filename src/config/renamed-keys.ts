import { isDeepStrictEqual } from 'node:util'
import { MedallionError } from '../errors.js'
import { isRecord } from '../util/is-record.js'

/**
 * Keys that have a new name. Operators keep a config file across releases, so the old name is
 * still read, with a warning, and the loaded config carries the value under the new name only.
 */
const RENAMED_KEYS = [{ from: ['bronze', 'synchronous'], to: ['storage', 'synchronous'], why: 'it applies to every database file, not only bronze' }] as const

export interface Renames {
  /** One line per old name used, for the operator. */
  warnings: string[]
  /** New dotted path -> the old one the file used, so that a bad value is reported under the name the operator wrote. */
  writtenAs: Map<string, string>
}

/**
 * Moves each old key of the raw file to its new name, in place. Both names with different
 * values are a config error naming both; the same value twice is accepted (with the warning).
 */
export function renameKeys(raw: Record<string, unknown>, source: string): Renames {
  const renames: Renames = { warnings: [], writtenAs: new Map() }
  for (const { from, to, why } of RENAMED_KEYS) {
    const oldParent = raw[from[0]]
    if (!isRecord(oldParent) || !Object.hasOwn(oldParent, from[1])) continue
    const oldName = from.join('.')
    const newName = to.join('.')
    const value = oldParent[from[1]]
    delete oldParent[from[1]]
    renames.warnings.push(`config ${source}: ${oldName} is deprecated, renamed ${newName} (${why}): move the value there`)
    if (!Object.hasOwn(raw, to[0])) raw[to[0]] = {}
    const newParent = raw[to[0]]
    // Not an object: the schema reports it under the new name.
    if (!isRecord(newParent)) continue
    if (!Object.hasOwn(newParent, to[1])) {
      newParent[to[1]] = value
      renames.writtenAs.set(newName, oldName)
    } else if (!isDeepStrictEqual(newParent[to[1]], value)) {
      throw new MedallionError(
        'CONFIG_INVALID',
        `config ${source}: ${oldName} (${JSON.stringify(value)}) and ${newName} (${JSON.stringify(newParent[to[1]])}) disagree: ${oldName} is the old name of ${newName}; keep ${newName} only`,
      )
    }
  }
  return renames
}
