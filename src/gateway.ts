import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { DeviceAccess } from './broker/device-access.js'
import type { ListeningAddresses } from './broker/mqtt-broker.js'
import { touches } from './config/config-changes.js'
import type { Config } from './config/schema.js'
import { DataFiles } from './daemon/data-files.js'
import { HttpApi } from './daemon/http-api.js'
import { MqttIntake } from './daemon/mqtt-intake.js'
import { ScheduledWork } from './daemon/scheduled-work.js'
import { DaemonLock } from './db/daemon-lock.js'
import { ensureDataDir } from './db/data-dir.js'
import { DiskSpace } from './db/disk-space.js'
import type { LiveOptions } from './http/live/live-day-hub.js'
import { GoldThread } from './pipeline/gold-thread.js'
import { Pipeline } from './pipeline/pipeline.js'
import type { Scheduler } from './scheduler/scheduler.js'
import { systemClock, type Clock } from './util/clock.js'
import { Parts } from './util/parts.js'
import { errorFields } from './errors.js'

/** Silver looks for work this often without a word from bronze: rows other processes wrote, a busy silver.db retried. */
const SILVER_POLL_MS = 1000
/**
 * Gold looks for work this often without a word from silver: re-enrichments by `dims import` and
 * rebuilds by other processes. Silver's own batches tell gold at once.
 */
const GOLD_POLL_MS = 5000

/**
 * Longest a silver batch holds silver's lock (a `dims import` waits for it). Behind bronze, batches
 * run to this or to `silver.batchRows`: 200 ms and 10,000 rows let silver enrich 12-40% more a
 * second than 50 ms and 2,000 under a paced load of a thousand tills it could not follow (two
 * alternating series, docs/benchmarks.md, issue 24).
 */
const SILVER_BUDGET_MS = 200
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
  /** The live stream's pace (default: http/app.ts's LIVE_DEFAULTS); tests set it. */
  live?: Partial<LiveOptions>
}

export interface GatewayAddresses extends ListeningAddresses {
  http: AddressInfo
  /** `http.tls.redirectPort`'s plain listener, when there is one. */
  httpRedirect?: AddressInfo
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
 * The composition root: builds every part from the config up front, and starts them in order:
 * the lock -> the disk watch -> the data files (migrated) -> the gold thread -> the pipeline threads
 * (silver, bronze) -> MQTT -> the scheduler -> HTTP. They stop in reverse: intake first, then
 * what commits what was taken in, then the files and the lock.
 */
export function createGateway({ config, logger, onFatal, clock = systemClock, dashboardDir, live: liveOptions }: GatewayDeps): Gateway {
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
    onNotices: (notices) => mqtt.tellRejects(notices),
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
  /** The config as last reloaded (SIGHUP); what only a restart changes stays as it started. */
  let live = config
  let lock: DaemonLock | undefined
  const files = new DataFiles(config, disk, clock, logger)
  const mqtt = new MqttIntake(config, files, pipeline, logger)
  const work = new ScheduledWork({ config, files, disk, gold, live: () => live, clock, logger })
  const http = new HttpApi({ config, files, disk, pipeline, gold, mqtt, work, clock, logger, dashboardDir, live: liveOptions })
  const parts = new Parts(
    [
      {
        name: 'the daemon lock',
        start: () => {
          ensureDataDir(config.dataDir)
          lock = DaemonLock.acquire(config.dataDir)
        },
        stop: () => lock?.release(),
      },
      {
        name: 'the disk watch',
        // Started on a full disk: wait for room before SQLite opens anything (it would fail, or on
        // ext4 die of SIGBUS extending its memory-mapped WAL index).
        start: async () => {
          await disk.waitForRoom()
          disk.start()
        },
        stop: () => disk.stop(),
      },
      files,
      // Gold before the pipeline, so that it stops after it: silver's last batches still reach it.
      gold,
      pipeline,
      mqtt,
      work,
      http,
    ],
    logger,
  )

  return {
    pipeline,
    gold,
    http: http.app,
    get access(): DeviceAccess {
      if (!mqtt.access) throw new Error('gateway not started')
      return mqtt.access
    },
    get scheduler(): Scheduler {
      if (!work.scheduler) throw new Error('gateway not started')
      return work.scheduler
    },

    async start() {
      await parts.start()
      const httpAddress = http.address!
      logger.info({ http: `${httpAddress.address}:${httpAddress.port}` }, 'http listening')
      const httpRedirect = http.redirect.address
      return { ...mqtt.listening!, http: httpAddress, ...(httpRedirect ? { httpRedirect } : {}) }
    },

    reload(next, applied) {
      const changed = (key: string): boolean => applied.some((path) => touches(path, key))
      live = next
      // Certificates are renewed in place (same files, new content): read again at every reload.
      for (const [key, listener] of [
        ['http.tls', http],
        ['mqtt.tls', mqtt],
      ] as const) {
        try {
          const renewed = listener.reloadCertificate()
          if (renewed) logger.info({ subject: renewed.subject, validTo: renewed.validTo }, `${key}: certificate read again; new connections get it`)
        } catch (error) {
          logger.error(errorFields(error), `${key}: certificate not reloaded; the one in use is kept`)
        }
      }
      if (changed('http.tokens')) http.roles.update(next.http.tokens)
      if (changed('mqtt')) mqtt.updateLimits(next)
      if (changed('silver.expectations')) pipeline.useExpectations({ kind: 'expectations', expectations: next.silver.expectations })
      work.reload(next, changed)
    },

    async problems(timeoutMs) {
      const [pipelineAnswers, goldAnswers] = await Promise.all([pipeline.answers(timeoutMs), gold.answers(timeoutMs)])
      return [
        ...(pipelineAnswers ? [] : [`a pipeline thread (bronze or silver) did not answer within ${timeoutMs} ms`]),
        ...(goldAnswers ? [] : [`the gold thread did not answer within ${timeoutMs} ms`]),
        ...(mqtt.listening ? [] : ['the MQTT broker is not listening']),
        ...(http.app.server.listening ? [] : ['the HTTP server is not listening']),
      ]
    },

    async stop() {
      const failed = await parts.stop()
      lock = undefined
      logger.info({ ingest: pipeline.groupCommit.totals, silver: pipeline.silver, gold: gold.progress }, 'pipeline stopped')
      if (failed.length > 0) throw new Error(`could not stop ${failed.join(', ')} (the log has why)`)
    },
  }
}
