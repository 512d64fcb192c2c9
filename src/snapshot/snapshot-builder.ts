import type { Statement } from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { lockedTransaction } from '../db/locked-transaction.js'
import type { SqliteDatabase } from '../db/open.js'
import { sha256Hex } from '../util/digest.js'
import { fsyncPath, fsyncTree } from '../util/durable-fs.js'
import { dayColumnOf, SHIPPED_TABLE_NAMES, shippedKeyOf } from '../gold/gold-tables.js'
import { fileMetadata, GOLD_PARQUET_COLUMNS, SNAPSHOT_SCHEMA_VERSION, partitionPath } from './gold-parquet-schema.js'
import type { SnapshotManifest } from '../contract/snapshot-manifest.js'
import { toParquet } from './parquet-file.js'
import { gatewayInstanceId, recordSnapshot, setSnapshotWatermark, snapshotWatermark } from './snapshot-catalog.js'
import { daysToRemake, goldPruned } from './days-to-remake.js'

export interface SnapshotBuilderOptions {
  /** Where snapshot directories live: {dir}/{snapshot_id}/... */
  dir: string
  currency: { code: string; minorUnitDigits: number }
  now?: () => number
}

/** A temporary snapshot directory older than this is a crash's leftover. */
const LEFTOVER_AGE_MS = 3_600_000

interface LastSnapshot {
  snapshot_id: string
  version: number
  content_sha256: string
  created_at: string
  manifest: string
  on_disk: number
  damaged: number
}

/**
 * Gold -> Parquet snapshots. A snapshot is one store-day: one file per gold table plus a manifest.
 * `run` snapshots each store-day gold rewrote since the last run, unless its content is the same
 * as its last snapshot's (an unchanged day is not shipped again); a changed day gets a new version
 * that supersedes the last. Files are written under a temporary name, fsynced, and renamed into
 * place before the snapshot is recorded. Delivery queues it for the upload targets (delivery/outbox.ts).
 */
export class SnapshotBuilder {
  private readonly now: () => number
  private readonly gatewayId: string
  private readonly dayRows: ReadonlyMap<string, Statement>
  private readonly last: Statement
  /** Whether retention removed the store-day's gold. */
  private readonly goldPruned: Statement

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: SnapshotBuilderOptions,
  ) {
    this.now = options.now ?? Date.now
    this.gatewayId = gatewayInstanceId(db)
    this.dayRows = new Map(
      SHIPPED_TABLE_NAMES.map((table) => [
        table,
        db.prepare(`SELECT * FROM gold.${table} WHERE store_id = ? AND ${dayColumnOf(table)} = ? ORDER BY ${shippedKeyOf(table)}`),
      ]),
    )
    this.last = db.prepare(
      'SELECT snapshot_id, version, content_sha256, created_at, manifest, on_disk, damaged FROM snapshots WHERE store_id = ? AND sale_date = ? ORDER BY version DESC LIMIT 1',
    )
    this.goldPruned = db.prepare(`SELECT 1 FROM (SELECT ? AS store_id, ? AS sale_date) d WHERE ${goldPruned('d')}`).pluck()
  }

  /**
   * Snapshots the store-days of up to `maxRefreshes` gold refreshes after the watermark, oldest date
   * first. A crash before the watermark moves only makes the next run find equal content.
   */
  run(maxRefreshes = 10_000): { created: SnapshotManifest[]; unchanged: number; pending: boolean } {
    const watermark = snapshotWatermark(this.db)
    const refreshed = this.db
      .prepare(`SELECT seq, store_id, sale_date FROM gold.refreshed_days WHERE seq > ? ORDER BY seq LIMIT ?`)
      .all(watermark, maxRefreshes) as { seq: number; store_id: string; sale_date: string }[]
    // And the days whose current snapshot must be made again as a new version.
    const remake = daysToRemake(this.db)
    const days = new Map<string, [string, string]>()
    for (const row of [...refreshed, ...remake]) days.set(`${row.store_id}|${row.sale_date}`, [row.store_id, row.sale_date])
    const lastSeq = refreshed.at(-1)?.seq ?? watermark
    this.removeLeftovers()
    const created: SnapshotManifest[] = []
    let unchanged = 0
    for (const [storeId, saleDate] of [...days.values()].sort(([sa, da], [sb, db]) => da.localeCompare(db) || sa.localeCompare(sb))) {
      const manifest = this.snapshotDay(storeId, saleDate, lastSeq)
      if (manifest) created.push(manifest)
      else unchanged++
    }
    setSnapshotWatermark(this.db, lastSeq)
    return { created, unchanged, pending: refreshed.length === maxRefreshes }
  }

  /** The day's gold rows, table by table, in key order. */
  readDay(storeId: string, saleDate: string): Record<string, Record<string, unknown>[]> {
    return Object.fromEntries(SHIPPED_TABLE_NAMES.map((table) => [table, this.dayRows.get(table)!.all(storeId, saleDate) as Record<string, unknown>[]]))
  }

  /** Writes the day's files and manifest under `root` (as the lake lays them out); returns the manifest. */
  writeFiles(root: string, manifest: Omit<SnapshotManifest, 'files'>, tables: Record<string, Record<string, unknown>[]>): SnapshotManifest {
    const files: SnapshotManifest['files'] = []
    for (const table of SHIPPED_TABLE_NAMES) {
      const bytes = toParquet(GOLD_PARQUET_COLUMNS[table]!, tables[table]!, fileMetadata(manifest, table))
      const path = partitionPath(table, manifest.sale_date, manifest.store_id, manifest.snapshot_id)
      mkdirSync(dirname(join(root, path)), { recursive: true })
      writeFileSync(join(root, path), bytes)
      files.push({ table, path, rows: tables[table]!.length, bytes: bytes.byteLength, sha256: sha256Hex(bytes) })
    }
    const complete: SnapshotManifest = { ...manifest, files }
    writeFileSync(join(root, 'manifest.json'), JSON.stringify(complete, null, 2))
    return complete
  }

  /** The current snapshot of a store-day, made now if the day changed since its last one (export). */
  currentSnapshot(storeId: string, saleDate: string): { manifest: SnapshotManifest; onDisk: boolean } | undefined {
    const watermark = (this.db.prepare('SELECT max(seq) FROM gold.refreshed_days').pluck().get() as number | null) ?? 0
    this.snapshotDay(storeId, saleDate, watermark)
    const row = this.lastSnapshot(storeId, saleDate)
    return row === undefined ? undefined : { manifest: JSON.parse(row.manifest) as SnapshotManifest, onDisk: row.on_disk === 1 }
  }

  /**
   * Directories a crash left behind, old enough that no writer still owns them: temporary ones,
   * and ones renamed into place whose snapshot was never recorded.
   */
  private removeLeftovers(): void {
    if (!existsSync(this.options.dir)) return
    const recorded = this.db.prepare('SELECT 1 FROM snapshots WHERE snapshot_id = ?').pluck()
    for (const entry of readdirSync(this.options.dir)) {
      const path = join(this.options.dir, entry)
      if (statSync(path).mtimeMs >= Date.now() - LEFTOVER_AGE_MS) continue
      if (entry.startsWith('.tmp-') || recorded.get(entry) === undefined) rmSync(path, { recursive: true, force: true })
    }
  }

  /**
   * Encodes outside any lock (a big day takes seconds, and the broker's thread writes gateway.db
   * too), then takes gateway.db's write lock only to check that no one recorded a version of the
   * day meanwhile (a `snapshot export` next to the daemon), rename and record. If someone did, the
   * day is looked at again.
   */
  private snapshotDay(storeId: string, saleDate: string, goldWatermark: number): SnapshotManifest | undefined {
    if (this.goldPruned.get(storeId, saleDate) !== undefined) return undefined
    for (;;) {
      // The last version first: one recorded after this read is caught by the check under the lock,
      // one recorded before it was made from gold no newer than what is read next.
      const last = this.lastSnapshot(storeId, saleDate)
      // One read transaction: the day's tables come from one gold state.
      const tables = this.db.transaction(() => this.readDay(storeId, saleDate))()
      const contentSha = sha256Hex(JSON.stringify(tables))
      const empty = Object.values(tables).every((rows) => rows.length === 0)
      const current =
        last !== undefined &&
        last.damaged === 0 &&
        last.content_sha256 === contentSha &&
        (JSON.parse(last.manifest) as SnapshotManifest).schema_version === SNAPSHOT_SCHEMA_VERSION
      if (current || (empty && last === undefined)) return undefined
      const version = (last?.version ?? 0) + 1
      const snapshotId = `${storeId}-${saleDate}-v${version}`
      const tempDir = join(this.options.dir, `.tmp-${snapshotId}-${randomBytes(4).toString('hex')}`)
      let manifest: SnapshotManifest
      try {
        manifest = this.writeFiles(
          tempDir,
          {
            snapshot_id: snapshotId,
            store_id: storeId,
            sale_date: saleDate,
            version,
            schema_version: SNAPSHOT_SCHEMA_VERSION,
            // Never before the last version's: readers may order a day's versions by it (docs/central.md).
            created_at: new Date(Math.max(this.now(), last === undefined ? 0 : Date.parse(last.created_at) + 1)).toISOString(),
            gateway_id: this.gatewayId,
            gold_watermark: goldWatermark,
            supersedes: last?.snapshot_id ?? null,
            currency: { code: this.options.currency.code, minor_unit_digits: this.options.currency.minorUnitDigits, amounts: 'integer minor units' },
            content_sha256: contentSha,
          },
          tables,
        )
        fsyncTree(tempDir)
      } catch (error) {
        rmSync(tempDir, { recursive: true, force: true })
        throw error
      }
      const recorded = lockedTransaction(this.db, 'main', () => {
        if (this.lastSnapshot(storeId, saleDate)?.version !== last?.version) return false
        // A directory already there is one a crash left between its rename and its record.
        const finalDir = join(this.options.dir, snapshotId)
        rmSync(finalDir, { recursive: true, force: true })
        renameSync(tempDir, finalDir)
        fsyncPath(this.options.dir)
        recordSnapshot(this.db, manifest)
        return true
      })
      if (recorded) return manifest
      rmSync(tempDir, { recursive: true, force: true })
    }
  }

  private lastSnapshot(storeId: string, saleDate: string): LastSnapshot | undefined {
    return this.last.get(storeId, saleDate) as LastSnapshot | undefined
  }
}
