import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { lockedTransaction } from '../../src/db/locked-transaction.js'
import type { SqliteDatabase } from '../../src/db/open.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { openMigrated } from '../../src/schemas.js'

// Two connections to the same files, as the silver thread and a `dims import` next to it have.
describe('lockedTransaction', () => {
  let dir: ReturnType<typeof makeTempDir>
  let db: SqliteDatabase
  let other: SqliteDatabase

  const open = (): SqliteDatabase => openMigrated(dir.path, { attach: ['bronze', 'silver'] })
  const writeSilver = (connection: SqliteDatabase, value: string): void => {
    connection.prepare("INSERT OR REPLACE INTO silver.pipeline_state (name, value) VALUES ('probe', ?)").run(value)
  }
  const writeBronze = (connection: SqliteDatabase): void => {
    connection.prepare("INSERT INTO bronze.bronze_state (name, value) VALUES ('probe', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1").run()
  }

  beforeEach(() => {
    dir = makeTempDir()
    db = open()
    other = open()
    other.pragma('busy_timeout = 0')
  })
  afterEach(() => {
    db.close()
    other.close()
    dir.remove()
  })

  it("holds the named file's write lock from its start, and only that file's", () => {
    lockedTransaction(db, 'silver', () => {
      expect(() => writeSilver(other, 'other')).toThrow(/locked|busy/i)
      // bronze.db is not locked: the bronze thread goes on committing next to silver's batches.
      expect(() => writeBronze(other)).not.toThrow()
      writeSilver(db, 'mine')
    })
    expect(other.prepare("SELECT value FROM silver.pipeline_state WHERE name = 'probe'").pluck().get()).toBe('mine')
  })

  it('reads then writes without SQLITE_BUSY_SNAPSHOT, where a plain transaction fails once another connection wrote in between', () => {
    const readThenWrite = (between: () => void) => () => {
      db.prepare('SELECT count(*) FROM silver.pipeline_state').get()
      between()
      writeSilver(db, 'mine')
    }
    // A plain (deferred) transaction: its read snapshot is older than the other connection's commit.
    expect(db.transaction(readThenWrite(() => writeSilver(other, 'other')))).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY_SNAPSHOT' }))
    // Locked first: the other connection cannot write in between, and this one's write succeeds.
    let refused = false
    lockedTransaction(
      db,
      'silver',
      readThenWrite(() => {
        try {
          writeSilver(other, 'other')
        } catch {
          refused = true
        }
      }),
    )
    expect(refused).toBe(true)
    expect(db.prepare("SELECT value FROM silver.pipeline_state WHERE name = 'probe'").pluck().get()).toBe('mine')
  })

  it('rolls back everything when the work throws, and returns what the work returns', () => {
    expect(() =>
      lockedTransaction(db, 'silver', () => {
        writeSilver(db, 'lost')
        throw new Error('no')
      }),
    ).toThrow('no')
    expect(db.prepare("SELECT count(*) FROM silver.pipeline_state WHERE name = 'probe'").pluck().get()).toBe(0)
    expect(lockedTransaction(db, 'silver', () => 42)).toBe(42)
  })
})
