import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isBusyError } from '../../src/db/is-busy.js'
import { openDatabase, type SqliteDatabase } from '../../src/db/open.js'
import { makeTempDir } from '../helpers/temp-dir.js'

/** What `work` throws (undefined when it returns). */
function thrown(work: () => unknown): unknown {
  try {
    work()
  } catch (error) {
    return error
  }
  return undefined
}

describe('isBusyError', () => {
  it('is true for SQLITE_BUSY and its extended codes, false for anything else', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT']) {
      expect(isBusyError(Object.assign(new Error(code), { code })), code).toBe(true)
    }
    for (const other of [new Error('busy'), Object.assign(new Error('x'), { code: 'SQLITE_LOCKED' }), { code: 42 }, 'SQLITE_BUSY', null, undefined]) {
      expect(isBusyError(other), String(other)).toBe(false)
    }
  })

  describe('on a file another connection holds', () => {
    let dir: ReturnType<typeof makeTempDir>
    let holder: SqliteDatabase
    let other: SqliteDatabase

    beforeEach(() => {
      dir = makeTempDir()
      holder = openDatabase({ dataDir: dir.path, attach: [] })
      holder.exec('CREATE TABLE t (x INTEGER)')
      other = openDatabase({ dataDir: dir.path, attach: [] })
      other.pragma('busy_timeout = 0')
    })
    afterEach(() => {
      holder.close()
      other.close()
      dir.remove()
    })

    it("tells better-sqlite3's busy error from a real fault", () => {
      holder.exec('BEGIN IMMEDIATE')
      const busy = thrown(() => other.exec('INSERT INTO t VALUES (1)'))
      holder.exec('ROLLBACK')
      expect(busy).toBeInstanceOf(Error)
      expect(isBusyError(busy)).toBe(true)
      const fault = thrown(() => other.exec('INSERT INTO missing VALUES (1)'))
      expect(fault).toBeInstanceOf(Error)
      expect(isBusyError(fault)).toBe(false)
    })
  })
})
