import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { migrate } from '../../src/db/migrate.js'
import { makeTempDir } from '../helpers/temp-dir.js'

describe('migrate', () => {
  let dir: ReturnType<typeof makeTempDir>
  let db: Database.Database
  const file = (): string => join(dir.path, 'layer.db')
  const tables = (): string[] => db.prepare("SELECT name FROM layer.sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]
  const version = (): number => db.pragma('layer.user_version', { simple: true }) as number

  beforeEach(() => {
    dir = makeTempDir()
    db = new Database(join(dir.path, 'gateway.db'))
    db.prepare('ATTACH DATABASE ? AS layer').run(file())
  })
  afterEach(() => {
    db.close()
    dir.remove()
  })

  it("applies the steps in order into the named schema, each bumping the schema's user_version", () => {
    migrate(db, 'layer', ['CREATE TABLE {schema}.a (x)', 'CREATE TABLE {schema}.b (x); INSERT INTO {schema}.b VALUES (1)'])
    expect([tables(), version()]).toEqual([['a', 'b'], 2])
    expect(db.prepare('SELECT name FROM main.sqlite_master').all()).toEqual([])
  })

  it('applies only the steps appended since, and takes no write lock when there are none', () => {
    migrate(db, 'layer', ['CREATE TABLE {schema}.a (x)'])
    const other = new Database(file())
    try {
      other.exec('BEGIN IMMEDIATE')
      db.pragma('busy_timeout = 0')
      // Up to date: returns at once although another connection holds the write lock.
      expect(() => migrate(db, 'layer', ['CREATE TABLE {schema}.a (x)'])).not.toThrow()
      // A step to apply needs the lock.
      expect(() => migrate(db, 'layer', ['CREATE TABLE {schema}.a (x)', 'CREATE TABLE {schema}.b (x)'])).toThrow(/locked|busy/i)
      other.exec('ROLLBACK')
      migrate(db, 'layer', ['CREATE TABLE {schema}.a (x)', 'CREATE TABLE {schema}.b (x)'])
      expect([tables(), version()]).toEqual([['a', 'b'], 2])
    } finally {
      other.close()
    }
  })

  it('a step that fails leaves nothing of itself: the version stays, its tables are not there', () => {
    expect(() => migrate(db, 'layer', ['CREATE TABLE {schema}.a (x)', 'CREATE TABLE {schema}.b (x); INSERT INTO {schema}.nope VALUES (1)'])).toThrow(
      /no such table/,
    )
    expect([tables(), version()]).toEqual([['a'], 1])
  })

  it('refuses a file written by a newer program, naming the versions and what to do', () => {
    db.pragma('layer.user_version = 5')
    expect(() => migrate(db, 'layer', ['CREATE TABLE {schema}.a (x)'])).toThrow(
      expect.objectContaining({
        code: 'SCHEMA_TOO_NEW',
        message: 'layer schema version 5 is newer than this program knows (1); run the newer medallion-edge or restore a backup',
      }),
    )
    expect(tables()).toEqual([])
  })
})
