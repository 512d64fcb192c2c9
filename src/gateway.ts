import { RoleCheck } from './http/roles.js'
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { DeviceAccess } from './broker/device-access.js'
import { DeviceRegistry } from './broker/device-registry.js'
import { MqttBroker, type ListeningAddresses } from './broker/mqtt-broker.js'
import type { Config } from './config/schema.js'
import { DaemonLock } from './db/daemon-lock.js'
import { DiskSpace } from './db/disk-space.js'
import { ensureDataDir } from './db/data-dir.js'
import type { SqliteDatabase } from './db/open.js'
import { BronzeReader } from './bronze/bronze-reader.js'
import { GoldReader, type StoreRecord } from './gold/gold-reader.js'
import { GOLD_TABLE_NAMES } from './gold/gold-tables.js'
import { GoldThread } from './gold/gold-thread.js'
import { openGoldDatabase } from './gold/open-gold.js'
import { migrateAll } from './schemas.js'
import { buildApp } from './http/app.js'
import { DashboardAssets } from './http/dashboard-assets.js'
import { deviceHealth, pipelineHealth, type HealthSources } from './http/health-report.js'
import { createMetrics } from './http/metrics.js'
import { listen } from './http/server.js'
import { Pipeline } from './pipeline/pipeline.js'
import { SqliteJobRunStore } from './scheduler/job-run-store.js'
import { Scheduler } from './scheduler/scheduler.js'
import { watchRegistry } from './broker/registry-watch.js'
import { Outbox } from './delivery/outbox.js'
import { snapshotDir } from './snapshot/snapshot-dir.js'
import type { SnapshotJobs } from './jobs/snapshot-jobs.js'
import { registerJobs, rescheduleJobs } from './jobs/jobs.js'
import { touches } from './config/config-changes.js'
import { SnapshotReader } from './delivery/snapshot-reader.js'
import { expectationViolations, type ExpectationViolations } from './silver/silver-status.js'
import { uploadTargets } from './delivery/upload-targets.js'
import { systemClock, type Clock } from './util/clock.js'
import { stopInOrder } from './util/stop-in-order.js'
import { enableIncrementalVacuum } from './retention/compact.js'
import { readStorage } from './retention/storage-report.js'

/**
 * How often gateway.db's data_version is read for device registrations and removals made by the
 * `devices` command (another process): the longest a removed device stays connected, and the
 * longest a device registered elsewhere may still be published for anonymously.
 */
const REGISTRY_WATCH_MS = 2000
/** The longest the start waits to remove staged uploads a crash left: a hung network mount must not hold it. */
const STAGED_CLEANUP_MS = 2000
/** Storage figures (a directory walk) are read at most this often, however often metrics are scraped. */
const SCRAPE_MS = 1000
/** Silver looks for work this often without a word from bronze: rows other processes wrote, a busy silver.db retried. */
const SILVER_POLL_MS = 1000
/**
 * Gold looks for work this often without a word from silver: re-enrichments by `dims import` and
 * rebuilds by other processes. Silver's own batches tell gold at once.
 */
const GOLD_POLL_MS = 5000

/** `read`'s value, read again only once it is `ms` old. */
function lastFor<T>(ms: number, read: () => T): () => T {
  let at = Number.NEGATIVE_INFINITY
  let value: T
  return () => {
    if (Date.now() - at >= ms) {
      value = read()
      at = Date.now()
    }
    return value
  }
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref())
/** Longest a silver batch holds silver's lock (a `dims import` waits for it). */
const SILVER_BUDGET_MS = 50
/**
 * Silver runs this long after a bronze commit: rows gather into one batch (one fsync). 50 ms beat
 * 10 ms in two paced runs at 22k msg/s (silver kept up with 14-16k/s against 3-13k/s), and the
 * staff totals are a second behind anyway (docs/benchmarks.md).
 */
const SILVER_DELAY_MS = 50

export interface GatewayDeps {
  config: Readonly<Config>
  logger: Logger
  /** A worker thread died; the daemon exits and systemd restarts it. */
  onFatal: (error: Error) => void
  clock?: Clock
  /** The built staff page (default: dist/http/dashboard next to the running code). */
  dashboardDir?: string
}

export interface GatewayAddresses extends ListeningAddresses {
  http: AddressInfo
}

export interface Gateway {
  start(): Promise<GatewayAddresses>
  /** Stops intake, commits and acks what is pending, closes the databases. */
  stop(): Promise<void>
  /**
   * What is wrong with the running daemon, empty when all is well: both threads answer, the MQTT
   * and HTTP listeners are up. The systemd watchdog is fed only while it is empty.
   */
  problems(timeoutMs: number): Promise<string[]>
  /**
   * Applies a reloaded config's live keys (src/config/config-changes.ts) to the running parts;
   * `applied` names the keys that changed.
   */
  reload(next: Readonly<Config>, applied: readonly string[]): void
  readonly pipeline: Pipeline
  readonly gold: GoldThread
  readonly access: DeviceAccess
  readonly scheduler: Scheduler
  readonly http: FastifyInstance
}

/**
 * Builds every part from the config and wires them; `start` and `stop` run them in order:
 * databases (migrated) -> pipeline threads (silver, bronze) -> gold thread -> broker -> scheduler
 * -> HTTP, and back.
 */
export function createGateway({ config, logger, onFatal, clock = systemClock, dashboardDir }: GatewayDeps): Gateway {
  const disk = new DiskSpace(config.dataDir, config.storage.reserveMiB * 1024 * 1024, logger.child({ component: 'disk' }), () => clock.now())
  const pipeline = new Pipeline({
    settings: {
      dataDir: config.dataDir,
      synchronous: config.storage.synchronous,
      cacheSizeMiB: config.bronze.cacheSizeMiB,
      maxPayloadBytes: config.mqtt.maxPayloadBytes,
      maxBatchItems: config.mqtt.maxBatchItems,
      minorUnitDigits: config.currency.minorUnitDigits,
      rejectPayloadKeepBytes: config.bronze.rejectPayloadKeepBytes,
      rejectsMaxBytes: config.retention.rejectsMaxMiB * 1024 * 1024,
      enrichment: { timezone: config.timezone, currency: config.currency, silver: config.silver },
      silverBudgetMs: SILVER_BUDGET_MS,
      silverDelayMs: SILVER_DELAY_MS,
      pollMs: SILVER_POLL_MS,
    },
    maxGroupMessages: config.bronze.maxGroupMessages,
    logger,
    onFatal,
    onSilverBatch: () => gold.notify(),
    onDiskFull: () => disk.reportFull(),
  })
  disk.onChange((low) =>
    low
      ? pipeline.groupCommit.pause(`the data directory's disk is full (under storage.reserveMiB ${config.storage.reserveMiB} MiB): not acked, send it again`)
      : pipeline.groupCommit.resume(),
  )
  const gold = new GoldThread(
    {
      dataDir: config.dataDir,
      synchronous: config.storage.synchronous,
      refreshIntervalMs: config.gold.refreshIntervalMs,
      pollMs: GOLD_POLL_MS,
    },
    logger.child({ component: 'gold' }),
    onFatal,
  )
  let lock: DaemonLock | undefined
  let db: SqliteDatabase | undefined
  let violations: (() => ExpectationViolations[]) | undefined
  let reader: GoldReader | undefined
  let bronze: BronzeReader | undefined
  let outbox: Outbox | undefined
  let snapshots: SnapshotReader | undefined
  const targets = uploadTargets(config.upload)
  let access: DeviceAccess | undefined
  let broker: MqttBroker | undefined
  let registryWatch: NodeJS.Timeout | undefined
  let registry: DeviceRegistry | undefined
  let scheduler: Scheduler | undefined
  let snapshotJobs: SnapshotJobs | undefined
  /** The config as last reloaded (SIGHUP); what only a restart changes stays as it started. */
  let live = config

  const timeZoneOf = (storeId: string): string => reader?.timeZoneOf(storeId) ?? config.timezone
  const health: HealthSources = {
    now: () => clock.now(),
    timeZoneOf,
    newestSale: () => bronze!.newestSale(),
    silver: () => pipeline.silver,
    receivedAfter: (id) => bronze!.receivedAfter(id),
    gold: () => ({ caughtUpAt: gold.progress.caughtUpAt, pendingChanges: reader!.pendingDayChanges(), lastError: gold.progress.lastError }),
    rejectsSince: (since) => bronze!.rejectsSince(since),
    upload: () => ({ ...outbox!.backlog(), target: config.upload.target }),
    connectedClientIds: () => broker?.connectedClientIds() ?? [],
    registeredDevices: () => registry?.list() ?? [],
    deviceActivity: () => bronze!.devices(),
    deviceSilentMinutes: config.dashboard.deviceSilentMinutes,
  }

  const roles = new RoleCheck(config.http.tokens)
  const http = buildApp({
    storeId: config.storeId,
    timeZoneOf,
    roles,
    logger: logger.child({ component: 'http' }),
    now: () => clock.now(),
    totals: (storeId, date, now) => reader!.totals(storeId, date, now),
    topProducts: (storeId, date, limit) => reader!.topProducts(storeId, date, limit),
    day: (storeId, date, now, limit) => reader!.day(storeId, date, now, limit),
    stores: () => storesOf(config, reader!.stores(), health),
    refreshedSince: (seq, limit) => reader!.refreshedSince(seq, limit),
    lastRefreshSeq: () => reader!.lastRefreshSeq(),
    pipelineHealth: (storeId) => pipelineHealth(health, storeId),
    deviceHealth: (storeId) => deviceHealth(health, storeId),
    dashboard: { locale: config.dashboard.locale, currency: config.currency, deviceSilentMinutes: config.dashboard.deviceSilentMinutes },
    assets: DashboardAssets.load({ locale: config.dashboard.locale, currency: config.currency.code }, dashboardDir),
    goldTable: (table, storeId, from, to, limit) => reader!.table(table, storeId, from, to, limit),
    rejects: (query) => bronze!.latestRejects(query),
    snapshotsAfter: (after, limit, gatewayId) => snapshots!.after(after, limit, gatewayId),
    snapshotFile: (snapshotId, path) => snapshots!.file(snapshotId, path),
    goldTables: GOLD_TABLE_NAMES,
    notReady: () => [
      ...(broker?.listening ? [] : ['the MQTT broker is not listening']),
      ...(disk.low
        ? [
            `the disk is full: ${Math.round(disk.state().freeBytes / 1048576)} MiB free, storage.reserveMiB is ${config.storage.reserveMiB}: new sales are not acked`,
          ]
        : []),
      ...(pipeline.silver.failure ? [`silver is stopped by expectation ${pipeline.silver.failure.rule}`] : []),
      ...(pipeline.silver.lastError ? [`silver is failing: ${pipeline.silver.lastError}`] : []),
      ...(gold.progress.lastError ? [`gold is failing: ${gold.progress.lastError}`] : []),
    ],
    metrics: createMetrics({
      ingest: () => pipeline.groupCommit.totals,
      connectedClients: () => broker?.connectedClients ?? 0,
      refused: () => access?.refused ?? { connect: 0, publish: 0, subscribe: 0 },
      fairShare: () => broker?.fairShare,
      silver: () => pipeline.silver,
      expectations: () => violations?.() ?? [],
      gold: () => gold.progress,
      backlog: () => outbox?.backlog() ?? { pending: 0, oldestDate: null, nextAttemptAt: null, lastError: null, lastShippedAt: null, lastPulledAt: null },
      jobs: () => scheduler?.status() ?? [],
      disk: () => disk.state(),
      devices: () => bronze?.devices() ?? [],
      // Five metrics read it: one read (file sizes, queries on this thread) per scrape.
      storage: lastFor(SCRAPE_MS, () => (db ? readStorage(db, config.dataDir) : undefined)),
    }),
  })

  return {
    pipeline,
    gold,
    http,
    get access(): DeviceAccess {
      if (!access) throw new Error('gateway not started')
      return access
    },
    get scheduler(): Scheduler {
      if (!scheduler) throw new Error('gateway not started')
      return scheduler
    },

    async start() {
      ensureDataDir(config.dataDir)
      lock = DaemonLock.acquire(config.dataDir)
      // Started on a full disk: wait for room before SQLite opens anything (it would fail, or on
      // ext4 die of SIGBUS extending its memory-mapped WAL index).
      await disk.waitForRoom()
      disk.start()
      // Migrates every layer before any thread opens its own connection. This connection writes
      // only job_runs (scheduling notes, not sales): NORMAL spares the broker's thread an fsync.
      db = migrateAll(openGoldDatabase(config.dataDir, 'NORMAL'))
      // Files of release 0.1.0 were made before auto-vacuum: converted once, before any thread writes.
      for (const schema of ['main', 'bronze', 'silver', 'gold']) {
        const started = Date.now()
        if (enableIncrementalVacuum(db, schema, disk.state().freeBytes))
          logger.info({ schema, ms: Date.now() - started }, 'database converted to incremental vacuum (once): retention can shrink it')
      }
      violations = expectationViolations(db)
      reader = new GoldReader(config.dataDir, config.currency)
      bronze = new BronzeReader(config.dataDir)
      outbox = new Outbox(db, { dir: snapshotDir(config.dataDir), retry: config.upload.retry, now: () => clock.now() })
      snapshots = new SnapshotReader(db, snapshotDir(config.dataDir), () => clock.now())
      await pipeline.start()
      await gold.start()
      registry = new DeviceRegistry(db)
      access = new DeviceAccess({ registry, allowAnonymous: config.mqtt.allowAnonymous, logger: logger.child({ component: 'access' }) })
      broker = new MqttBroker({
        config: config.mqtt,
        access,
        intake: (topic, clientId, payload, receivedAtMs, done) => pipeline.groupCommit.submit(topic, clientId, payload, receivedAtMs, done),
        logger: logger.child({ component: 'mqtt' }),
      })
      const mqtt = await broker.start()
      registryWatch = watchRegistry(db, registry, access, broker, logger, REGISTRY_WATCH_MS)
      scheduler = new Scheduler({ timeZone: config.timezone, clock, logger: logger.child({ component: 'scheduler' }), store: new SqliteJobRunStore(db) })
      // A put cut short by a crash left a staged file at the target: removed before any upload
      // (bounded, so that a hung network mount cannot hold the start).
      await Promise.race([
        outbox.removeStaged(targets).catch((error: Error) => logger.warn({ err: error.message }, 'could not remove staged uploads a crash left')),
        sleep(STAGED_CLEANUP_MS),
      ])
      snapshotJobs = registerJobs({ config, db, scheduler, outbox, targets, disk, gold, live: () => live, logger: logger.child({ component: 'snapshot' }) })
      scheduler.start()
      const httpAddress = await listen(http, config.http.host, config.http.port)
      logger.info({ http: `${httpAddress.address}:${httpAddress.port}` }, 'http listening')
      return { ...mqtt, http: httpAddress }
    },

    reload(next, applied) {
      const changed = (key: string): boolean => applied.some((path) => touches(path, key))
      live = next
      if (changed('http.tokens')) roles.update(next.http.tokens)
      if (changed('mqtt')) broker?.updateLimits(next.mqtt)
      if (changed('silver.expectations')) pipeline.useExpectations({ kind: 'expectations', expectations: next.silver.expectations })
      if (changed('upload')) snapshotJobs?.reconfigure(next, uploadTargets(next.upload))
      if (scheduler) rescheduleJobs(scheduler, next, changed)
    },

    async problems(timeoutMs) {
      const [pipelineAnswers, goldAnswers] = await Promise.all([pipeline.answers(timeoutMs), gold.answers(timeoutMs)])
      return [
        ...(pipelineAnswers ? [] : [`a pipeline thread (bronze or silver) did not answer within ${timeoutMs} ms`]),
        ...(goldAnswers ? [] : [`the gold thread did not answer within ${timeoutMs} ms`]),
        ...(broker?.listening ? [] : ['the MQTT broker is not listening']),
        ...(http.server.listening ? [] : ['the HTTP server is not listening']),
      ]
    },

    async stop() {
      // Intake first (HTTP, the scheduler, MQTT), then what commits what was taken in (the pending
      // groups, the pipeline and gold threads), then the files and the lock: not the exact reverse
      // of start, which must open the files first.
      const failed = await stopInOrder(
        [
          ['the registry watch', () => clearInterval(registryWatch)],
          ['the snapshot jobs', () => snapshotJobs?.stop()],
          ['HTTP', () => http.close()],
          ['the scheduler', () => scheduler?.stop()],
          ['MQTT intake', () => broker?.stopIntake()],
          ['pending commits', () => pipeline.groupCommit.drain()],
          ['the MQTT broker', () => broker?.stop()],
          ['the pipeline threads', () => pipeline.stop()],
          ['the gold thread', () => gold.stop()],
          ['the readers', () => (reader?.close(), bronze?.close())],
          ['gateway.db', () => db?.close()],
          ['the disk watch', () => disk.stop()],
          ['the daemon lock', () => lock?.release()],
        ],
        logger,
      )
      db = undefined
      violations = undefined
      lock = undefined
      logger.info({ ingest: pipeline.groupCommit.totals, silver: pipeline.silver, gold: gold.progress }, 'pipeline stopped')
      if (failed.length > 0) throw new Error(`could not stop ${failed.join(', ')} (the log has why)`)
    },
  }
}

/**
 * The stores the staff page offers: the config's first, then every store dim_store knows or a
 * device is registered for or sold for, named by dim_store where it can.
 */
function storesOf(config: Readonly<Config>, known: StoreRecord[], health: HealthSources): StoreRecord[] {
  const stores = new Map(known.map((store) => [store.store_id, store]))
  const ids = new Set([
    config.storeId,
    ...stores.keys(),
    ...health.registeredDevices().map((device) => device.storeId),
    ...health.deviceActivity().map((device) => device.store_id),
  ])
  return [...ids]
    .map((id) => stores.get(id) ?? { store_id: id, store_name: id, timezone: config.timezone })
    .sort((a, b) => Number(b.store_id === config.storeId) - Number(a.store_id === config.storeId) || a.store_id.localeCompare(b.store_id))
}
