import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { enqueueNewSnapshots, Outbox } from '../../src/delivery/outbox.js'
import { SnapshotBuilder } from '../../src/snapshot/snapshot-builder.js'
import { HttpPutTarget } from '../../src/delivery/targets/http-put-target.js'
import { ObjectServer } from '../helpers/object-server.js'
import { seedSale } from '../helpers/sales.js'
import { SilverHarness } from '../helpers/silver-harness.js'

describe('a multi-day uplink outage', () => {
  const server = new ObjectServer()
  beforeAll(() => server.start())
  afterAll(() => server.stop())

  it('snapshots queue up while the server is down; after it is back each arrives once, across a restart', async () => {
    const h = new SilverHarness()
    let now = Date.parse('2025-05-01T23:00:00Z')
    const clock = (): number => now
    const dir = join(h.dir.path, 'snapshots')
    const target = new HttpPutTarget(server.url, undefined, 2000)
    const retry = { baseDelayMs: 60_000, maxDelayMs: 3_600_000 }
    let outbox = new Outbox(h.db, { dir, retry, now: clock, random: () => 1 })
    const builder = new SnapshotBuilder(h.db, { dir, currency: { code: 'USD', minorUnitDigits: 2 }, now: clock })
    const snapshot = (): void => {
      builder.run()
      enqueueNewSnapshots(h.db, ['http'], clock())
    }
    server.always = 'down'

    // Three days of trading with the uplink down: hourly snapshot runs, upload runs every minute.
    const attempts: number[] = []
    const attemptedAt: number[] = []
    for (let day = 1; day <= 3; day++) {
      h.ingest([seedSale({ timestamp: `2025-05-0${day}T12:00:00Z`, price: day })])
      h.process()
      h.gold.refreshAll()
      snapshot()
      for (let minute = 0; minute < 24 * 60; minute += 15) {
        now += 15 * 60_000
        const failed = (await outbox.shipDue([target])).failed.length
        attempts.push(failed)
        if (failed > 0) attemptedAt.push(now)
        if (day === 2 && minute === 600) outbox = new Outbox(h.db, { dir, retry, now: clock, random: () => 1 }) // the daemon restarts
      }
    }
    // Late data for day 1 while down: a new version supersedes the unshipped one, which then need not leave.
    h.ingest([seedSale({ timestamp: '2025-05-01T18:00:00Z', price: 10 })])
    h.process()
    h.gold.refreshAll()
    snapshot()
    expect(outbox.backlog()).toMatchObject({ pending: 3, oldestDate: '2025-05-01' })
    expect(attempts.filter((failed) => failed > 0).length).toBeLessThan(100) // backed off to hourly, not every minute
    expect(attemptedAt.at(-1)! - attemptedAt.at(-2)!).toBe(retry.maxDelayMs) // the cap: an hour between the last tries
    // Each try reached the server (one request: the first file failed, the rest waited), none was stored.
    expect(server.requests.length).toBe(attemptedAt.length)
    expect(server.puts).toEqual([])

    server.always = undefined
    now += 3_600_000
    const shipped = await outbox.shipDue([target])
    expect(shipped.shipped).toEqual(['store_001-2025-05-01-v2', 'store_001-2025-05-02-v1', 'store_001-2025-05-03-v1'])
    expect(new Set(server.puts).size).toBe(server.puts.length) // every object once, under one name
    expect(server.puts.filter((key) => key.startsWith('_manifests/'))).toEqual([
      '_manifests/store_001-2025-05-01-v2.json',
      '_manifests/store_001-2025-05-02-v1.json',
      '_manifests/store_001-2025-05-03-v1.json',
    ])
    expect(h.db.prepare("SELECT state FROM outbox WHERE snapshot_id = 'store_001-2025-05-01-v1'").pluck().get()).toBe('skipped')
    expect(outbox.backlog().pending).toBe(0)
    h.close()
  })
})
