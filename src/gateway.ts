import type { Logger } from 'pino'
import { DeviceAccess } from './broker/device-access.js'
import { DeviceRegistry } from './broker/device-registry.js'
import { MqttBroker, type ListeningAddresses } from './broker/mqtt-broker.js'
import type { Config } from './config/schema.js'
import type { SqliteDatabase } from './db/open.js'
import { Pipeline } from './pipeline/pipeline.js'
import { SqliteJobRunStore } from './scheduler/job-run-store.js'
import { Scheduler } from './scheduler/scheduler.js'
import type { PullOutcome } from './silver/dims/pull-dimension.js'
import { openSilverDatabase } from './silver/open-silver.js'
import { systemClock, type Clock } from './util/clock.js'
import { runInWorker } from './util/run-in-worker.js'

const REGISTRY_WATCH_MS = 2000
/** Longest a silver batch holds the pipeline thread before a waiting bronze group goes first. */
const SILVER_BUDGET_MS = 5

export interface GatewayDeps {
  config: Readonly<Config>
  logger: Logger
  /** The pipeline thread died; the daemon exits and systemd restarts it. */
  onFatal: (error: Error) => void
  clock?: Clock
}

export interface Gateway {
  start(): Promise<ListeningAddresses>
  /** Stops intake, commits and acks what is pending, closes the databases. */
  stop(): Promise<void>
  readonly pipeline: Pipeline
  readonly access: DeviceAccess
  readonly scheduler: Scheduler
}

/** Builds every part from the config and wires them; `start` and `stop` run them in order. */
export function createGateway({ config, logger, onFatal, clock = systemClock }: GatewayDeps): Gateway {
  const pipeline = new Pipeline({
    settings: {
      dataDir: config.dataDir,
      synchronous: config.bronze.synchronous,
      cacheSizeMiB: config.bronze.cacheSizeMiB,
      maxPayloadBytes: config.mqtt.maxPayloadBytes,
      maxBatchItems: config.mqtt.maxBatchItems,
      minorUnitDigits: config.currency.minorUnitDigits,
      rejectPayloadKeepBytes: config.bronze.rejectPayloadKeepBytes,
      defaultTimezone: config.timezone,
      expectations: [...config.silver.expectations],
      silverBatchRows: config.silver.batchRows,
      silverBudgetMs: SILVER_BUDGET_MS,
      pollMs: 1000,
    },
    maxGroupMessages: config.bronze.maxGroupMessages,
    logger,
    onFatal,
  })
  let db: SqliteDatabase | undefined
  let access: DeviceAccess | undefined
  let broker: MqttBroker | undefined
  let registryWatch: NodeJS.Timeout | undefined
  let scheduler: Scheduler | undefined

  return {
    pipeline,
    get access(): DeviceAccess {
      if (!access) throw new Error('gateway not started')
      return access
    },
    get scheduler(): Scheduler {
      if (!scheduler) throw new Error('gateway not started')
      return scheduler
    },

    async start() {
      // Migrates every layer before any thread opens its own connection.
      db = openSilverDatabase(config.dataDir, config.bronze.synchronous)
      await pipeline.start()
      const registry = new DeviceRegistry(db)
      access = new DeviceAccess({ registry, allowAnonymous: config.mqtt.allowAnonymous, logger: logger.child({ component: 'access' }) })
      broker = new MqttBroker({
        config: config.mqtt,
        access,
        intake: (topic, clientId, payload, receivedAtMs, done) => pipeline.groupCommit.submit(topic, clientId, payload, receivedAtMs, done),
        logger: logger.child({ component: 'mqtt' }),
      })
      const addresses = await broker.start()
      registryWatch = watchRemovedDevices(db, registry, access, broker, logger)
      scheduler = new Scheduler({ timeZone: config.timezone, clock, logger: logger.child({ component: 'scheduler' }), store: new SqliteJobRunStore(db) })
      if (config.dims.url) {
        scheduler.add({ name: 'dims-sync', cron: config.dims.schedule, run: () => syncDimensionsJob(config) })
      }
      scheduler.start()
      return addresses
    },

    async stop() {
      clearInterval(registryWatch)
      await scheduler?.stop()
      broker?.stopIntake()
      await pipeline.groupCommit.drain()
      await broker?.stop()
      await pipeline.stop()
      logger.info({ ingest: pipeline.groupCommit.totals, silver: pipeline.silver }, 'pipeline stopped')
      db?.close()
      db = undefined
    },
  }
}

/**
 * `devices remove` runs in another process; every few seconds, if gateway.db changed
 * (PRAGMA data_version), connections of devices no longer registered are closed.
 */
function watchRemovedDevices(db: SqliteDatabase, registry: DeviceRegistry, access: DeviceAccess, broker: MqttBroker, logger: Logger): NodeJS.Timeout {
  const dataVersion = db.prepare('PRAGMA main.data_version').pluck()
  let seen = dataVersion.get()
  const timer = setInterval(() => {
    const now = dataVersion.get()
    if (now === seen) return
    seen = now
    const closed = broker.disconnectWhere((client) => {
      const owner = access.ownerOf(client)
      return owner !== undefined && !registry.exists(owner.deviceId)
    })
    if (closed > 0) logger.info({ closed }, 'closed the connections of removed devices')
  }, REGISTRY_WATCH_MS)
  timer.unref()
  return timer
}

/** The scheduled pull of dimensions, on its own thread; fails (for status) if any dimension failed. */
async function syncDimensionsJob(config: Readonly<Config>): Promise<PullOutcome[]> {
  const outcomes = await runInWorker<PullOutcome[]>('silver/dims/dims-sync.worker', import.meta.url, config)
  const failed = outcomes.filter((outcome) => outcome.status === 'failed')
  if (failed.length > 0) throw new Error(failed.map((outcome) => `${outcome.dimension}: ${outcome.error}`).join('; '))
  return outcomes.map(({ summary, ...outcome }) => ({ ...outcome, ...(summary ? { changes: { inserted: summary.inserted, changed: summary.changed, reenriched: summary.reenriched } } : {}) }))
}
