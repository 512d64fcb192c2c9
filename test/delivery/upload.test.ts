import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AwsClient, AwsV4Signer } from 'aws4fetch'
import { createHash } from 'node:crypto'
import { enqueueNewSnapshots, Outbox } from '../../src/delivery/outbox.js'
import type { SnapshotManifest } from '../../src/contract/snapshot-manifest.js'
import { SnapshotBuilder } from '../../src/snapshot/snapshot-builder.js'
import { DirectoryTarget } from '../../src/delivery/targets/directory-target.js'
import { HttpPutTarget } from '../../src/delivery/targets/http-put-target.js'
import { S3Target } from '../../src/delivery/targets/s3-target.js'
import type { UploadTarget } from '../../src/delivery/targets/upload-target.js'
import { ObjectServer } from '../helpers/object-server.js'
import { seedSale } from '../helpers/sales.js'
import { closedAfterEach, SilverHarness } from '../helpers/silver-harness.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { SHIPPED_TABLE_NAMES } from '../../src/gold/gold-tables.js'

const opened = closedAfterEach()

const RETRY = { baseDelayMs: 1000, maxDelayMs: 60_000 }

/** A harness with three days of gold, snapshotted and queued for `target`. */
function withSnapshots(target: string): { h: SilverHarness; dir: string; clock: { now: number } } {
  const h = opened(new SilverHarness())
  const clock = { now: Date.parse('2025-05-05T10:00:00Z') }
  h.ingest(['2025-05-01', '2025-05-02', '2025-05-03'].map((day, i) => seedSale({ timestamp: `${day}T12:00:00Z`, price: i + 1 })))
  h.process()
  h.gold.refreshAll()
  const dir = join(h.dir.path, 'snapshots')
  new SnapshotBuilder(h.db, { dir, currency: { code: 'USD', minorUnitDigits: 2 }, now: () => clock.now }).run()
  enqueueNewSnapshots(h.db, [target], clock.now)
  return { h, dir, clock }
}

/** A recorded snapshot's manifest, as the gateway keeps it. */
function manifestOf(h: SilverHarness, snapshotId: string): SnapshotManifest {
  return JSON.parse(h.db.prepare('SELECT manifest FROM snapshots WHERE snapshot_id = ?').pluck().get(snapshotId) as string) as SnapshotManifest
}

describe('shipping to a directory', () => {
  it('every file, then the manifest, under the lake layout; shipped once', async () => {
    const { h, dir, clock } = withSnapshots('directory')
    const lake = makeTempDir()
    const order: string[] = []
    const directory = new DirectoryTarget(lake.path)
    const recording: UploadTarget = {
      name: 'directory',
      put: async (key, bytes, type) => {
        order.push(key)
        await directory.put(key, bytes, type)
      },
    }
    const outbox = new Outbox(h.db, { dir, retry: RETRY, now: () => clock.now })
    expect((await outbox.shipDue([recording])).shipped).toHaveLength(3)
    expect(order.filter((key) => key.startsWith('_manifests/'))).toHaveLength(3)
    expect(order.at(-1)).toMatch(/^_manifests\/store_001-2025-05-03-v1\.json$/) // date order, manifest last
    expect(order.indexOf('_manifests/store_001-2025-05-01-v1.json')).toBe(SHIPPED_TABLE_NAMES.length)
    const manifest = JSON.parse(readFileSync(join(lake.path, '_manifests/store_001-2025-05-01-v1.json'), 'utf8'))
    expect(readFileSync(join(lake.path, manifest.files[0].path)).byteLength).toBe(manifest.files[0].bytes)
    expect((await outbox.shipDue([recording])).shipped).toEqual([])
    expect(outbox.backlog().pending).toBe(0)
    lake.remove()
  })
})

describe('a directory target after a kill -9 between a staged write and its rename', () => {
  it('the next put in that directory removes the staged file of the same object at once, and others once an hour old', async () => {
    const lake = makeTempDir()
    const dir = join(lake.path, 'kpi_daily_orders', 'sale_date=2025-05-01', 'store_id=store_001')
    mkdirSync(dir, { recursive: true })
    const own = join(dir, '.part-store_001-2025-05-01-v1.parquet.tmp-0badc0de')
    const other = join(dir, '.part-store_001-2025-05-01-v2.parquet.tmp-12345678')
    const old = join(dir, '.part-store_001-2025-05-01-v0.parquet.tmp-87654321')
    for (const file of [own, other, old]) writeFileSync(file, 'half a file')
    utimesSync(old, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000))
    await new DirectoryTarget(lake.path).put(
      'kpi_daily_orders/sale_date=2025-05-01/store_id=store_001/part-store_001-2025-05-01-v1.parquet',
      Buffer.from('whole'),
    )
    expect(readdirSync(dir).sort()).toEqual(['.part-store_001-2025-05-01-v2.parquet.tmp-12345678', 'part-store_001-2025-05-01-v1.parquet'])
    lake.remove()
  })
})

describe('a restart after a kill -9 in the middle of a directory upload', () => {
  it('removes the staged files of the snapshots waiting to ship, and nothing else', async () => {
    const { h, dir, clock } = withSnapshots('directory')
    const lake = makeTempDir()
    const manifest = manifestOf(h, 'store_001-2025-05-01-v1')
    const partition = join(lake.path, dirname(manifest.files[0]!.path))
    mkdirSync(partition, { recursive: true })
    const staged = join(partition, `.${basename(manifest.files[0]!.path)}.tmp-0badc0de`)
    const another = join(partition, '.part-of-another-gateway.parquet.tmp-12345678')
    writeFileSync(staged, 'half a file')
    writeFileSync(another, 'being written')
    const outbox = new Outbox(h.db, { dir, retry: RETRY, now: () => clock.now })
    await outbox.removeStaged([new DirectoryTarget(lake.path)])
    expect(readdirSync(partition)).toEqual(['.part-of-another-gateway.parquet.tmp-12345678'])
    lake.remove()
  })
})

describe('the outbox guards what leaves', () => {
  it('a file the disk damaged is not shipped; the day is made again as a new version, and nothing waits behind it', async () => {
    const { h, dir, clock } = withSnapshots('directory')
    const lake = makeTempDir()
    const manifest = manifestOf(h, 'store_001-2025-05-01-v1')
    const damaged = join(dir, 'store_001-2025-05-01-v1', manifest.files[1]!.path)
    const bytes = readFileSync(damaged)
    bytes[bytes.length - 20]! ^= 0xff
    writeFileSync(damaged, bytes)
    const outbox = new Outbox(h.db, { dir, retry: RETRY, now: () => clock.now })
    const target = new DirectoryTarget(lake.path)
    const outcome = await outbox.shipDue([target])
    expect(outcome.failed.map((failure) => [failure.snapshotId, failure.error])).toEqual([
      ['store_001-2025-05-01-v1', expect.stringMatching(/no longer matches its manifest's sha256/)],
    ])
    expect(outcome.shipped).toEqual(['store_001-2025-05-02-v1', 'store_001-2025-05-03-v1'])
    expect(existsSync(join(lake.path, '_manifests', 'store_001-2025-05-01-v1.json'))).toBe(false)
    const remade = new SnapshotBuilder(h.db, { dir, currency: { code: 'USD', minorUnitDigits: 2 }, now: () => clock.now }).run()
    expect(remade.created.map((m) => [m.snapshot_id, m.supersedes])).toEqual([['store_001-2025-05-01-v2', 'store_001-2025-05-01-v1']])
    expect((await outbox.shipDue([target])).shipped).toEqual(['store_001-2025-05-01-v2'])
    expect(outbox.backlog().pending).toBe(0)
    lake.remove()
  })

  it('a snapshot whose shipping began ships whole even when a newer version of its day comes first: no file of it left alone in the lake', async () => {
    const { h, dir, clock } = withSnapshots('directory')
    const lake = makeTempDir()
    const directory = new DirectoryTarget(lake.path)
    let puts = 0
    // The link drops after the first file of the first day (as a kill -9 would cut it).
    const flaky: UploadTarget = {
      name: 'directory',
      put: async (key, bytes, type) => {
        if (++puts === 2) throw new Error('connection reset')
        await directory.put(key, bytes, type)
      },
    }
    const outbox = new Outbox(h.db, { dir, retry: RETRY, now: () => clock.now })
    expect((await outbox.shipDue([flaky])).failed.map((failure) => failure.snapshotId)).toEqual(['store_001-2025-05-01-v1'])
    // A late sale of that day: version 2, made and queued before the retry.
    h.ingest([seedSale({ timestamp: '2025-05-01T13:00:00Z', price: 9 })])
    h.process()
    h.gold.refreshAll()
    new SnapshotBuilder(h.db, { dir, currency: { code: 'USD', minorUnitDigits: 2 }, now: () => clock.now }).run()
    clock.now += 120_000
    expect((await outbox.shipDue([directory])).shipped).toEqual([
      'store_001-2025-05-01-v1',
      'store_001-2025-05-01-v2',
      'store_001-2025-05-02-v1',
      'store_001-2025-05-03-v1',
    ])
    const shippedFiles = (
      h.db.prepare("SELECT s.manifest FROM outbox o JOIN snapshots s USING (snapshot_id) WHERE o.state = 'shipped'").pluck().all() as string[]
    )
      .flatMap((manifest) => (JSON.parse(manifest) as SnapshotManifest).files.map((file) => file.path))
      .sort()
    const walk = (path: string): string[] =>
      readdirSync(path, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(path, e.name)) : [join(path, e.name)]))
    const inLake = walk(lake.path)
      .filter((path) => path.endsWith('.parquet'))
      .map((path) => path.slice(lake.path.length + 1))
      .sort()
    expect(inLake).toEqual(shippedFiles)
    lake.remove()
  })

  it('a backlog follows a change of upload target; rows of the old target are abandoned', () => {
    const { h, dir, clock } = withSnapshots('directory')
    const outbox = new Outbox(h.db, { dir, retry: RETRY, now: () => clock.now })
    h.db.prepare("UPDATE outbox SET state = 'shipped' WHERE snapshot_id = 'store_001-2025-05-01-v1'").run()
    expect(outbox.retarget(['s3'])).toEqual({ queued: 2, abandoned: 2 })
    expect(h.db.prepare('SELECT snapshot_id, target, state FROM outbox ORDER BY snapshot_id, target').all()).toEqual([
      { snapshot_id: 'store_001-2025-05-01-v1', target: 'directory', state: 'shipped' },
      { snapshot_id: 'store_001-2025-05-02-v1', target: 'directory', state: 'abandoned' },
      { snapshot_id: 'store_001-2025-05-02-v1', target: 's3', state: 'pending' },
      { snapshot_id: 'store_001-2025-05-03-v1', target: 'directory', state: 'abandoned' },
      { snapshot_id: 'store_001-2025-05-03-v1', target: 's3', state: 'pending' },
    ])
    expect(outbox.retarget(['s3'])).toEqual({ queued: 0, abandoned: 0 }) // a restart with the same config changes nothing
    expect(outbox.retarget([])).toEqual({ queued: 0, abandoned: 2 }) // pull mode: central pulls them
    expect(outbox.backlog().pending).toBe(0)
    // Central pulled up to 2 May meanwhile; back to s3: only 3 May is still undelivered, and its
    // abandoned row comes back to life.
    h.db
      .prepare("INSERT INTO delivery_state (name, value) VALUES ('pulled_seq', (SELECT seq FROM snapshots WHERE snapshot_id = 'store_001-2025-05-02-v1'))")
      .run()
    expect(outbox.retarget(['s3'])).toEqual({ queued: 1, abandoned: 0 })
    expect(h.db.prepare("SELECT snapshot_id FROM outbox WHERE state = 'pending'").pluck().all()).toEqual(['store_001-2025-05-03-v1'])
  })
})

describe('shipping over HTTP PUT: bad answers are retried, never marked shipped', () => {
  const server = new ObjectServer()
  beforeAll(() => server.start())
  afterAll(() => server.stop())
  beforeEach(() => {
    server.objects.clear()
    server.requests.length = 0
    server.faults = []
  })

  it.each(['status-403', 'status-500', 'hang', 'truncate', 'wrong-etag'] as const)('%s', async (fault) => {
    const { h, dir, clock } = withSnapshots('http')
    const outbox = new Outbox(h.db, { dir, retry: RETRY, now: () => clock.now, random: () => 0.5 })
    // Only a server that never answers needs the timeout to fire; the other faults answer, and a
    // loaded 2-core machine must have all the time it needs to read their answer.
    const target = new HttpPutTarget(server.url, 'upload-token', fault === 'hang' ? 300 : 30_000)
    server.faults = [fault]
    const first = await outbox.shipDue([target])
    expect(first.shipped).toEqual([])
    expect(first.failed).toHaveLength(1) // and the rest waits, in date order
    expect(outbox.backlog()).toMatchObject({ pending: 3, oldestDate: '2025-05-01' })
    const row = h.db.prepare("SELECT attempts, state, next_attempt_at, last_error FROM outbox WHERE snapshot_id = 'store_001-2025-05-01-v1'").get() as {
      attempts: number
      state: string
      next_attempt_at: string
      last_error: string
    }
    expect(row).toMatchObject({ attempts: 1, state: 'pending' })
    expect(Date.parse(row.next_attempt_at) - clock.now).toBe(500) // half of base x 2^0 (jitter 0.5)
    expect((await outbox.shipDue([target])).shipped).toEqual([]) // not due yet
    clock.now += 1000
    expect((await outbox.shipDue([target])).shipped).toHaveLength(3)
    expect([...server.objects.keys()].filter((key) => key.startsWith('_manifests/')).sort()).toEqual([
      '_manifests/store_001-2025-05-01-v1.json',
      '_manifests/store_001-2025-05-02-v1.json',
      '_manifests/store_001-2025-05-03-v1.json',
    ])
  })

  it('sends the bearer token and a Content-Digest of the body', async () => {
    await new HttpPutTarget(server.url, 'upload-token', 1000).put('a/b.parquet', Buffer.from('some bytes'), 'application/vnd.apache.parquet')
    const [request] = server.requests
    expect(request!.headers).toMatchObject({
      authorization: 'Bearer upload-token',
      'content-digest': `sha-256=:${createHash('sha256').update('some bytes').digest('base64')}:`,
      'content-type': 'application/vnd.apache.parquet',
    })
  })

  it('S3: signs each PUT with SigV4 over the checksums it sends (re-signed here with the same time and secret)', async () => {
    const settings = {
      endpoint: `http://127.0.0.1:${server.port}`,
      bucket: 'lake',
      region: 'eu-west-1',
      accessKeyId: 'AKIDTEST',
      secretAccessKey: 'secret-test-key',
      prefix: 'stores/s1/',
    }
    const body = Buffer.from('parquet bytes')
    await new S3Target(settings, 1000).put('kpi/part-1.parquet', body, 'application/vnd.apache.parquet')
    const [request] = server.requests
    expect(request!.key).toBe('stores/s1/kpi/part-1.parquet')
    expect(request!.headers).toMatchObject({
      'content-md5': createHash('md5').update(body).digest('base64'),
      'x-amz-checksum-sha256': createHash('sha256').update(body).digest('base64'),
    })
    const expected = await new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      region: settings.region,
      service: 's3',
    }).sign(`${settings.endpoint}/lake/stores/s1/kpi/part-1.parquet`, {
      method: 'PUT',
      body,
      headers: {
        'content-type': 'application/vnd.apache.parquet',
        'content-md5': request!.headers['content-md5'] as string,
        'x-amz-checksum-sha256': request!.headers['x-amz-checksum-sha256'] as string,
      },
      aws: { datetime: request!.headers['x-amz-date'] as string },
    })
    expect(request!.headers.authorization).toBe(expected.headers.get('authorization'))
    expect(request!.headers.authorization).toMatch(/SignedHeaders=[^,]*content-md5[^,]*x-amz-checksum-sha256/)
  })

  it('an opaque ETag (not a digest) proves nothing either way and is accepted', async () => {
    const { h, dir, clock } = withSnapshots('http')
    server.always = 'opaque-etag'
    try {
      expect(
        (await new Outbox(h.db, { dir, retry: RETRY, now: () => clock.now }).shipDue([new HttpPutTarget(server.url, 'upload-token', 1000)])).shipped,
      ).toHaveLength(3)
    } finally {
      server.always = undefined
    }
  })
})

describe('shipping to S3', () => {
  it("signs with SigV4 as AWS's published example says", async () => {
    // AWS Signature Version 4 test suite, "get-vanilla": credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z.
    const signer = new AwsV4Signer({
      url: 'https://example.amazonaws.com/',
      method: 'GET',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      service: 'service',
      datetime: '20150830T123600Z',
      signQuery: false,
      headers: {},
      allHeaders: false,
      singleEncode: false,
    } as ConstructorParameters<typeof AwsV4Signer>[0])
    const signed = await signer.sign()
    expect(signed.headers.get('authorization')).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    )
  })

  let s3: { close(): Promise<void> } | undefined
  let endpoint = ''
  const storage = makeTempDir()
  beforeAll(async () => {
    const { default: S3rver } = await import('s3rver')
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: storage.path, configureBuckets: [{ name: 'lake', configs: [] }] })
    const address = await server.run()
    endpoint = `http://127.0.0.1:${address.port}`
    s3 = server
  })
  afterAll(async () => {
    await s3?.close()
    storage.remove()
  })

  it('puts every object into a local S3-compatible server (s3rver), readable back', async () => {
    const { h, dir, clock } = withSnapshots('s3')
    const target = new S3Target(
      { endpoint, bucket: 'lake', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', prefix: 'stores/store_001/' },
      5000,
    )
    const outbox = new Outbox(h.db, { dir, retry: RETRY, now: () => clock.now })
    expect((await outbox.shipDue([target])).shipped).toHaveLength(3)
    const manifest = JSON.parse(await (await fetch(`${endpoint}/lake/stores/store_001/_manifests/store_001-2025-05-02-v1.json`)).text())
    const parquet = Buffer.from(await (await fetch(`${endpoint}/lake/stores/store_001/${manifest.files[0].path}`)).arrayBuffer())
    expect(parquet.equals(readFileSync(join(dir, 'store_001-2025-05-02-v1', manifest.files[0].path)))).toBe(true)
  })
})
