import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { migrateOwned } from '../../src/db/migrate.js'
import { makeTempDir } from '../helpers/temp-dir.js'

/** Two owners sharing one file; before they were versioned apart, one sequence held a's step, then b's. */
const A = { owner: 'a', migrations: ['CREATE TABLE a1 (x)', 'CREATE TABLE a2 (x)'] }
const B = { owner: 'b', migrations: ['CREATE TABLE b1 (x)'] }
const LEGACY: Record<string, number>[] = [{}, { a: 1 }, { a: 1, b: 1 }]

describe('migrateOwned: one file, several owners, a version each', () => {
  let dir: ReturnType<typeof makeTempDir>
  let db: Database.Database
  const tables = (): string[] =>
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_owners' ORDER BY name").pluck().all() as string[]
  const versions = (): Record<string, number> => Object.fromEntries(db.prepare('SELECT owner, version FROM schema_owners').raw().all() as [string, number][])

  beforeEach(() => {
    dir = makeTempDir()
    db = new Database(join(dir.path, 'shared.db'))
  })
  afterEach(() => {
    db.close()
    dir.remove()
  })

  it('a new file: every owner from its first step, the file marked as kept per owner', () => {
    migrateOwned(db, 'main', [A, B], LEGACY)
    expect(tables()).toEqual(['a1', 'a2', 'b1'])
    expect(versions()).toEqual({ a: 2, b: 1 })
    expect(db.pragma('user_version', { simple: true })).toBe(LEGACY.length)
  })

  it('a file of the one-sequence kind: its steps credited to their owners, only the rest applied', () => {
    db.exec('CREATE TABLE a1 (x); INSERT INTO a1 VALUES (7); PRAGMA user_version = 1')
    migrateOwned(db, 'main', [A, B], LEGACY)
    expect(tables()).toEqual(['a1', 'a2', 'b1'])
    expect(versions()).toEqual({ a: 2, b: 1 })
    expect(db.prepare('SELECT x FROM a1').pluck().all()).toEqual([7])
  })

  it('each step once: run again, or with an owner that gained a step, only the new step runs', () => {
    migrateOwned(db, 'main', [A, B], LEGACY)
    migrateOwned(db, 'main', [A, B], LEGACY)
    migrateOwned(db, 'main', [A, { owner: 'b', migrations: [...B.migrations, 'CREATE TABLE b2 (x)'] }], LEGACY)
    expect(tables()).toEqual(['a1', 'a2', 'b1', 'b2'])
    expect(versions()).toEqual({ a: 2, b: 2 })
  })

  it('an owner or a file newer than this program: SCHEMA_TOO_NEW, naming which', () => {
    migrateOwned(db, 'main', [A, B], LEGACY)
    db.prepare("UPDATE schema_owners SET version = 5 WHERE owner = 'b'").run()
    expect(() => migrateOwned(db, 'main', [A, B], LEGACY)).toThrow(
      expect.objectContaining({
        code: 'SCHEMA_TOO_NEW',
        message: expect.stringMatching(/^main \(b\) schema version 5 is newer than this program knows \(1\)/),
      }),
    )
    db.pragma('user_version = 9')
    expect(() => migrateOwned(db, 'main', [A, B], LEGACY)).toThrow(
      expect.objectContaining({ code: 'SCHEMA_TOO_NEW', message: expect.stringMatching(/^main schema version 9/) }),
    )
  })
})
