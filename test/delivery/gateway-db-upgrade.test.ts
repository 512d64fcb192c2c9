import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/open.js'
import { readDeliveryStatus } from '../../src/delivery/delivery-status.js'
import { enqueueNewSnapshots, Outbox } from '../../src/delivery/outbox.js'
import { acknowledgePull, pulledSeq } from '../../src/delivery/delivery-state.js'
import { readSnapshotStatus } from '../../src/snapshot/snapshot-status.js'
import { GATEWAY_OWNERS, openMigrated } from '../../src/schemas.js'
import { makeTempDir } from '../helpers/temp-dir.js'

/**
 * A gateway.db as 0.2.0 left it (one user_version for every owner, at 3): the first step of each
 * owner is that release's DDL, split by owner. Its snapshot state: two snapshots queued for a
 * target, one marked damaged the old way, central's pull acknowledged up to seq 1.
 */
function gatewayDbOf020(path: string): void {
  const db = new Database(path)
  for (const { migrations } of GATEWAY_OWNERS) db.exec(migrations[0]!)
  db.exec(`
    INSERT INTO snapshots (snapshot_id, store_id, sale_date, version, content_sha256, manifest, bytes, created_at) VALUES
      ('s-2025-05-01-v1', 's', '2025-05-01', 1, 'abc', '{}', 10, '2025-05-01T00:00:00Z'),
      ('s-2025-05-02-v1', 's', '2025-05-02', 1, 'damaged', '{}', 10, '2025-05-02T00:00:00Z');
    INSERT INTO outbox (snapshot_id, target, state, next_attempt_at) VALUES
      ('s-2025-05-01-v1', 'directory', 'shipped', '2025-05-01T00:00:00Z'),
      ('s-2025-05-02-v1', 'directory', 'damaged', '2025-05-02T00:00:00Z');
    INSERT INTO snapshot_state (name, value) VALUES ('refreshed_seq', 40), ('pulled_seq', 1), ('pulled_at', '2025-05-02T01:00:00Z');
    PRAGMA user_version = 3;
  `)
  db.close()
}

describe("gateway.db of 0.2.0 opened by this release: each owner's state where its owner keeps it", () => {
  let dir: ReturnType<typeof makeTempDir>
  beforeEach(() => {
    dir = makeTempDir()
    gatewayDbOf020(join(dir.path, 'gateway.db'))
  })
  afterEach(() => dir.remove())

  it('a damaged mark becomes the damaged column; the pull acknowledgement moves to delivery; nothing is queued twice', () => {
    const db = openMigrated(dir.path, { attach: [] })
    try {
      expect(db.prepare('SELECT snapshot_id, damaged FROM snapshots ORDER BY seq').raw().all()).toEqual([
        ['s-2025-05-01-v1', 0],
        ['s-2025-05-02-v1', 1],
      ])
      expect(pulledSeq(db)).toBe(1)
      expect(db.prepare("SELECT value FROM delivery_state WHERE name = 'pulled_at'").pluck().get()).toBe('2025-05-02T01:00:00Z')
      // 0.2.0 queued its snapshots when it made them: the queue's cursor starts past them.
      expect(enqueueNewSnapshots(db, ['directory'], Date.now())).toBe(0)
      expect(db.prepare('SELECT snapshot_id, state FROM outbox ORDER BY snapshot_id').raw().all()).toEqual([
        ['s-2025-05-01-v1', 'shipped'],
        ['s-2025-05-02-v1', 'damaged'],
      ])
      expect(db.pragma('user_version', { simple: true })).toBe(4)
    } finally {
      db.close()
    }
  })

  it('a snapshot made after the upgrade is queued once for each target, and an older pending version of its day is skipped', () => {
    const db = openMigrated(dir.path, { attach: [] })
    try {
      const made = (id: string, version: number): void => {
        db.prepare(
          "INSERT INTO snapshots (snapshot_id, store_id, sale_date, version, content_sha256, manifest, bytes, created_at) VALUES (?, 's', '2025-05-03', ?, ?, '{}', 1, '')",
        ).run(id, version, id)
      }
      made('s-2025-05-03-v1', 1)
      expect(enqueueNewSnapshots(db, ['directory', 's3'], Date.parse('2025-05-03T10:00:00Z'))).toBe(1)
      expect(enqueueNewSnapshots(db, ['directory', 's3'], Date.parse('2025-05-03T10:01:00Z'))).toBe(0)
      made('s-2025-05-03-v2', 2)
      enqueueNewSnapshots(db, ['directory', 's3'], Date.parse('2025-05-03T11:00:00Z'))
      expect(db.prepare("SELECT snapshot_id, target, state FROM outbox WHERE snapshot_id LIKE 's-2025-05-03%' ORDER BY 1, 2").raw().all()).toEqual([
        ['s-2025-05-03-v1', 'directory', 'skipped'],
        ['s-2025-05-03-v1', 's3', 'skipped'],
        ['s-2025-05-03-v2', 'directory', 'pending'],
        ['s-2025-05-03-v2', 's3', 'pending'],
      ])
    } finally {
      db.close()
    }
  })

  it('status reads it as it is, before any process of this release migrated it', () => {
    const db = openDatabase({ dataDir: dir.path, attach: [], readonly: true })
    try {
      expect(readSnapshotStatus(db)).toEqual({ count: 2, diskBytes: 20 })
      expect(readDeliveryStatus(db)).toEqual({ pending: 0, oldestPendingDate: null, lastError: null })
    } finally {
      db.close()
    }
  })

  it('a snapshot made but not yet queued, which central pulled meanwhile, is still queued when the daemon starts (retarget)', () => {
    const db = openMigrated(dir.path, { attach: [] })
    try {
      db.prepare(
        "INSERT INTO snapshots (snapshot_id, store_id, sale_date, version, content_sha256, manifest, bytes, created_at) VALUES ('s-2025-05-04-v1', 's', '2025-05-04', 1, 'x', '{}', 1, '')",
      ).run()
      const seq = db.prepare("SELECT seq FROM snapshots WHERE snapshot_id = 's-2025-05-04-v1'").pluck().get() as number
      acknowledgePull(db, seq, seq)
      new Outbox(db, { dir: dir.path, retry: { baseDelayMs: 1, maxDelayMs: 1 } }).retarget(['directory'])
      expect(db.prepare("SELECT target, state FROM outbox WHERE snapshot_id = 's-2025-05-04-v1'").raw().all()).toEqual([['directory', 'pending']])
    } finally {
      db.close()
    }
  })
})
