import type { Logger } from 'pino'
import { BronzeWriter } from './bronze/bronze-writer.js'
import { DeviceAccess } from './broker/device-access.js'
import { DeviceRegistry } from './broker/device-registry.js'
import { MqttBroker, type ListeningAddresses } from './broker/mqtt-broker.js'
import type { Config } from './config/schema.js'
import type { SqliteDatabase } from './db/open.js'
import { openSilverDatabase } from './silver/open-silver.js'
import { SilverPipeline } from './silver/silver-pipeline.js'

const REGISTRY_WATCH_MS = 2000

export interface GatewayDeps {
  config: Readonly<Config>
  logger: Logger
  /** The bronze writer thread died; the daemon exits and systemd restarts it. */
  onFatal: (error: Error) => void
}

export interface Gateway {
  start(): Promise<ListeningAddresses>
  /** Stops intake, commits and acks what is pending, closes the databases. */
  stop(): Promise<void>
  readonly writer: BronzeWriter
  readonly silver: SilverPipeline
  readonly access: DeviceAccess
}

/** Builds every part from the config and wires them; `start` and `stop` run them in order. */
export function createGateway({ config, logger, onFatal }: GatewayDeps): Gateway {
  let db: SqliteDatabase | undefined
  const silver = new SilverPipeline({
    dataDir: config.dataDir,
    synchronous: config.bronze.synchronous,
    defaultTimezone: config.timezone,
    minorUnitDigits: config.currency.minorUnitDigits,
    expectations: [...config.silver.expectations],
    batchRows: config.silver.batchRows,
    pollMs: 1000,
  }, logger.child({ component: 'silver' }))
  const writer = new BronzeWriter({
    settings: {
      dataDir: config.dataDir,
      synchronous: config.bronze.synchronous,
      cacheSizeMiB: config.bronze.cacheSizeMiB,
      maxPayloadBytes: config.mqtt.maxPayloadBytes,
      maxBatchItems: config.mqtt.maxBatchItems,
      minorUnitDigits: config.currency.minorUnitDigits,
      rejectPayloadKeepBytes: config.bronze.rejectPayloadKeepBytes,
    },
    maxGroupMessages: config.bronze.maxGroupMessages,
    logger: logger.child({ component: 'bronze' }),
    onFatal,
    onCommitted: () => silver.notifyBronze(),
  })
  let access: DeviceAccess | undefined
  let broker: MqttBroker | undefined
  let registryWatch: NodeJS.Timeout | undefined

  return {
    writer,
    silver,
    get access(): DeviceAccess {
      if (!access) throw new Error('gateway not started')
      return access
    },

    async start() {
      db = openSilverDatabase(config.dataDir, config.bronze.synchronous)
      await writer.start()
      await silver.start()
      const registry = new DeviceRegistry(db)
      access = new DeviceAccess({
        registry,
        allowAnonymous: config.mqtt.allowAnonymous,
        logger: logger.child({ component: 'access' }),
      })
      broker = new MqttBroker({
        config: config.mqtt,
        access,
        intake: (topic, clientId, payload, receivedAtMs, done) => writer.submit(topic, clientId, payload, receivedAtMs, done),
        logger: logger.child({ component: 'mqtt' }),
      })
      const addresses = await broker.start()
      registryWatch = watchRemovedDevices(db, registry, access, broker, logger)
      return addresses
    },

    async stop() {
      clearInterval(registryWatch)
      broker?.stopIntake()
      await writer.drain()
      await broker?.stop()
      await writer.stop()
      logger.info({ ingest: writer.totals }, 'bronze writer stopped')
      await silver.stop()
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
