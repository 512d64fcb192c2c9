import { afterEach, beforeEach } from 'vitest'
import { BronzeStore } from '../../src/bronze/bronze-store.js'
import type { SqliteDatabase } from '../../src/db/open.js'
import { openMigrated } from '../../src/schemas.js'
import { makeTempDir } from './temp-dir.js'

/** For a test file: a fresh bronze.db and the real BronzeStore on it for each test, closed and removed after it. */
export function freshBronzeStore(): { db: SqliteDatabase; store: BronzeStore } {
  const opened = {} as { db: SqliteDatabase; store: BronzeStore; dir: ReturnType<typeof makeTempDir> }
  beforeEach(() => {
    opened.dir = makeTempDir()
    opened.db = openMigrated(opened.dir.path, { attach: ['bronze'] })
    opened.store = new BronzeStore(opened.db, { maxPayloadBytes: 262144, maxBatchItems: 1000, minorUnitDigits: 2, rejectPayloadKeepBytes: 1024 })
  })
  afterEach(() => {
    opened.db.close()
    opened.dir.remove()
  })
  return opened
}
