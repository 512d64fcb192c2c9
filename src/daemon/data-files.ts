import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import type { DiskSpace } from '../db/disk-space.js'
import type { SqliteDatabase } from '../db/open.js'
import { BronzeReader } from '../bronze/bronze-reader.js'
import { Outbox } from '../delivery/outbox.js'
import { SnapshotReader } from '../delivery/snapshot-reader.js'
import { GoldReader } from '../gold/gold-reader.js'
import { enableIncrementalVacuum } from '../retention/compact.js'
import { openMigrated } from '../schemas.js'
import { expectationViolations, type ExpectationViolations } from '../silver/silver-status.js'
import { snapshotDir } from '../snapshot/snapshot-dir.js'
import type { Clock } from '../util/clock.js'
import type { Part } from '../util/parts.js'

interface Opened {
  db: SqliteDatabase
  reader: GoldReader
  bronze: BronzeReader
  outbox: Outbox
  snapshots: SnapshotReader
  violations: () => ExpectationViolations[]
}

/**
 * The data directory's files as the broker's thread uses them: gateway.db with every layer attached
 * (migrated here, before any thread opens its own connection), and the readers the HTTP API, the
 * metrics and the jobs read through.
 */
export class DataFiles implements Part {
  readonly name = 'the data files'
  private opened: Opened | undefined

  constructor(
    private readonly config: Readonly<Config>,
    private readonly disk: DiskSpace,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const { config, clock } = this
    // This connection writes only gateway.db's notes (job runs, the outbox, the pull): NORMAL
    // spares the broker's thread an fsync per scheduling note.
    const db = openMigrated(config.dataDir, { synchronous: 'NORMAL' })
    try {
      // Files of release 0.1.0 were made before auto-vacuum: converted once, before any thread writes.
      for (const schema of ['main', 'bronze', 'silver', 'gold']) {
        const started = Date.now()
        if (enableIncrementalVacuum(db, schema, this.disk.state().freeBytes))
          this.logger.info({ schema, ms: Date.now() - started }, 'database converted to incremental vacuum (once): retention can shrink it')
      }
      this.opened = {
        db,
        reader: new GoldReader(config.dataDir, config.currency),
        bronze: new BronzeReader(config.dataDir),
        outbox: new Outbox(db, { dir: snapshotDir(config.dataDir), retry: config.upload.retry, now: () => clock.now() }),
        snapshots: new SnapshotReader(db, snapshotDir(config.dataDir), () => clock.now()),
        violations: expectationViolations(db),
      }
    } catch (error) {
      db.close()
      throw error
    }
  }

  stop(): void {
    const opened = this.opened
    this.opened = undefined
    opened?.reader.close()
    opened?.bronze.close()
    opened?.db.close()
  }

  get started(): boolean {
    return this.opened !== undefined
  }

  get db(): SqliteDatabase {
    return this.get().db
  }
  get reader(): GoldReader {
    return this.get().reader
  }
  get bronze(): BronzeReader {
    return this.get().bronze
  }
  get outbox(): Outbox {
    return this.get().outbox
  }
  get snapshots(): SnapshotReader {
    return this.get().snapshots
  }
  /** silver's expectation counters (empty before start: metrics may be scraped while the daemon starts). */
  violations(): ExpectationViolations[] {
    return this.opened?.violations?.() ?? []
  }

  private get(): Opened {
    if (!this.opened) throw new Error('the data files are not open')
    return this.opened
  }
}
