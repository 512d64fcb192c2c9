import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UploadTarget } from '../../src/delivery/targets/upload-target.js'

/** One upload target as the contract suite drives it: the target, how to read back what it stored, how to make it fail. */
export interface TargetUnderTest {
  target: UploadTarget
  /** What the far side holds under `key`, read by the far side's own means; undefined when nothing. */
  read(key: string): Promise<Buffer | undefined>
  /** A target of the same kind whose far side cannot take the object (down, refusing, unwritable). */
  broken(): UploadTarget
  close(): Promise<void>
}

const PARQUET = 'application/vnd.apache.parquet'
const LAKE_KEY = 'gold/fact_daily_sales/store_id=store_001/sale_date=2025-05-01/store_001-2025-05-01-v1.parquet'

/**
 * What every upload target promises the outbox (src/delivery/targets/upload-target.ts), run by each
 * target's test file against a real far side: a directory on disk, an HTTP server, an
 * S3-compatible server. A new target passes these before it ships anything.
 */
export function uploadTargetContract(kind: string, start: () => Promise<TargetUnderTest>): void {
  describe(`upload target contract: ${kind}`, () => {
    let t: TargetUnderTest
    beforeAll(async () => {
      t = await start()
    })
    afterAll(() => t.close())

    it('stores the exact bytes under a lake key (slashes and = in it), readable back once put resolves', async () => {
      const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251))
      await t.target.put(LAKE_KEY, bytes, PARQUET)
      expect((await t.read(LAKE_KEY))?.equals(bytes)).toBe(true)
    })

    it('a second put of a key replaces the object (a redelivery after a crash)', async () => {
      await t.target.put('_manifests/m.json', Buffer.from('{"v":1}'), 'application/json')
      await t.target.put('_manifests/m.json', Buffer.from('{"v":2}'), 'application/json')
      expect((await t.read('_manifests/m.json'))?.toString()).toBe('{"v":2}')
    })

    it('stores an empty object', async () => {
      await t.target.put('empty/zero.bin', new Uint8Array(0), 'application/octet-stream')
      expect((await t.read('empty/zero.bin'))?.length).toBe(0)
    })

    it('rejects when the far side cannot take the object: a failed put is never a success', async () => {
      await expect(t.broken().put('a/b.parquet', Buffer.from('bytes'), PARQUET)).rejects.toThrow()
    })

    it('names itself (the outbox keeps a backlog per target name)', () => {
      expect(t.target.name).toBe(kind)
    })
  })
}
