import type { Logger } from 'pino'
import { DeviceAccess } from '../broker/device-access.js'
import { DeviceRegistry, type DeviceRecord } from '../broker/device-registry.js'
import { MqttBroker, type FairShareCounts, type ListeningAddresses } from '../broker/mqtt-broker.js'
import { watchRegistry } from '../broker/registry-watch.js'
import type { Config } from '../config/schema.js'
import type { DeviceNotices } from '../contract/reject-notice.js'
import type { RejectNoticeCounts } from '../broker/reject-notices.js'
import type { Pipeline } from '../pipeline/pipeline.js'
import type { Part } from '../util/parts.js'
import type { DataFiles } from './data-files.js'

/**
 * How often gateway.db's data_version is read for device registrations and removals made by the
 * `devices` command (another process): the longest a removed device stays connected, and the
 * longest a device registered elsewhere may still be published for anonymously.
 */
const REGISTRY_WATCH_MS = 2000

/**
 * The devices' way in: the registry and its access rules, the aedes broker, and the watch for
 * registrations other processes make. Its publishes go to the pipeline's group commit. Stopping
 * closes intake first, waits for what was taken in to be committed and acked, then closes the
 * connections.
 */
export class MqttIntake implements Part {
  readonly name = 'MQTT'
  private running: { registry: DeviceRegistry; access: DeviceAccess; broker: MqttBroker; watch?: NodeJS.Timeout } | undefined

  constructor(
    private readonly config: Readonly<Config>,
    private readonly files: DataFiles,
    private readonly pipeline: Pipeline,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const { config, pipeline, logger } = this
    const registry = new DeviceRegistry(this.files.db)
    const access = new DeviceAccess({ registry, allowAnonymous: config.mqtt.allowAnonymous, logger: logger.child({ component: 'access' }) })
    const broker = new MqttBroker({
      config: config.mqtt,
      access,
      intake: (topic, clientId, payload, receivedAtMs, done) => pipeline.groupCommit.submit(topic, clientId, payload, receivedAtMs, done),
      logger: logger.child({ component: 'mqtt' }),
    })
    this.running = { registry, access, broker }
    await broker.start()
    this.running.watch = watchRegistry(this.files.db, registry, access, broker, logger, REGISTRY_WATCH_MS)
  }

  async stop(): Promise<void> {
    const running = this.running
    if (!running) return
    clearInterval(running.watch)
    running.broker.stopIntake()
    await this.pipeline.groupCommit.drain()
    await running.broker.stop()
    this.running = undefined
  }

  get access(): DeviceAccess | undefined {
    return this.running?.access
  }
  get listening(): ListeningAddresses | undefined {
    return this.running?.broker.listening
  }
  get connectedClients(): number {
    return this.running?.broker.connectedClients ?? 0
  }
  get fairShare(): FairShareCounts | undefined {
    return this.running?.broker.fairShare
  }
  get rejectNotices(): RejectNoticeCounts | undefined {
    return this.running?.broker.rejectNotices
  }
  /** What a committed group refused, told to the devices that listen (after their acks). */
  tellRejects(devices: readonly DeviceNotices[]): void {
    this.running?.broker.tellRejects(devices)
  }
  connectedClientIds(): Iterable<string> {
    return this.running?.broker.connectedClientIds() ?? []
  }
  registeredDevices(): DeviceRecord[] {
    return this.running?.registry.list() ?? []
  }
  /** The TLS listener's certificate, read again (undefined: no TLS listener); throws if unsound. */
  reloadCertificate(): ReturnType<MqttBroker['reloadCertificate']> {
    return this.running?.broker.reloadCertificate()
  }
  /** A reloaded config's MQTT limits. */
  updateLimits(config: Readonly<Config>): void {
    this.running?.broker.updateLimits(config.mqtt)
  }
}
