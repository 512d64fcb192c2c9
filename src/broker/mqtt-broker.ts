import { Aedes, type Client } from 'aedes'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import type { Logger } from 'pino'
import type { MqttConfig } from '../config/schema.js'
import { ConnectionAdmission } from './connection-admission.js'
import type { DeviceAccess } from './device-access.js'
import { PacketBuffers } from './packet-buffers.js'
import { PublishRateLimit } from './publish-rate-limit.js'
import { LogThrottle } from '../util/log-throttle.js'
import { listenOn } from '../util/listen-on.js'
import { systemClock, type Clock } from '../util/clock.js'
import { watcherClientId, type DeviceNotices } from '../contract/reject-notice.js'
import type { TopicOwner } from '../contract/device-topic.js'
import { RejectNotices, type RejectNoticeCounts } from './reject-notices.js'
import { topicMatches } from './topic-filter.js'
import { authenticateHook } from './hooks/authenticate.js'
import { authorizePublishHook } from './hooks/authorize-publish.js'
import { authorizeForwardHook, authorizeSubscribeHook } from './hooks/authorize-subscribe.js'
import { dropWill } from './hooks/pre-connect.js'
import { readTlsCredentials, type TlsCredentials } from '../util/tls-credentials.js'

/** Where accepted publishes go: `done` must run only once the message is durable. */
export type PublishIntake = (topic: string, clientId: string | null, payload: Uint8Array, receivedAtMs: number, done: (error: Error | null) => void) => void

export interface MqttBrokerOptions {
  config: MqttConfig
  access: DeviceAccess
  intake: PublishIntake
  logger: Logger
  /** For the refusal notices' rate (default: the system's). */
  clock?: Clock
}

export interface ListeningAddresses {
  mqtt: AddressInfo
  mqtts?: AddressInfo
}

/** QoS 2 packets a client may leave without PUBREL; aedes keeps each one, payload and all. */
const MAX_INFLIGHT_INBOUND = 32

function admissionLimits(config: MqttConfig): ConnectionAdmission['limits'] {
  return {
    maxConnections: config.maxConnections,
    maxPending: config.maxPendingConnections,
    maxAnonymous: config.maxAnonymousConnections,
    connectsPerMinute: config.perDevice.connectsPerMinute,
  }
}

/** What the broker did to share itself fairly (docs/bronze.md, Fair sharing), for metrics. */
export interface FairShareCounts {
  closed: { pending_cap: number; max_connections: number; buffered_bytes: number; connect_timeout: number; drain_timeout: number }
  refused: { anonymous_cap: number; connect_rate: number }
  delayed: { messages: number; ms: number }
  pendingConnections: number
  anonymousConnections: number
  bufferedBytes: number
}

/**
 * The aedes broker on a plain listener and an optional TLS listener. Ack after commit: the intake
 * runs inside aedes' authorizePublish (hooks/authorize-publish.ts), which calls back after the
 * group commit.
 */
export class MqttBroker {
  private readonly aedes: Aedes
  private readonly clients = new Set<Client>()
  private intakeOpen = true
  private readonly servers: Server[] = []
  private readonly serversClosed: Promise<unknown>[] = []
  private addresses: ListeningAddresses | undefined
  private tlsServer: TlsServer | undefined
  private readonly admission: ConnectionAdmission
  private readonly buffers: PacketBuffers
  private readonly rateLimit: PublishRateLimit
  /** Publishes waiting for their device's rate, with their callbacks (refused if the broker stops). */
  private readonly waiting = new Map<NodeJS.Timeout, (error: Error) => void>()
  private readonly timeouts = { connect_timeout: 0, drain_timeout: 0 }
  private readonly drainTimedOut = new WeakSet<Client>()
  /** Refusals that come in floods (hostile sockets): logged once a minute each, with a count. */
  private readonly floods: LogThrottle
  private readonly notices: RejectNotices

  constructor(private readonly options: MqttBrokerOptions) {
    const { access, intake, logger, config } = options
    this.admission = new ConnectionAdmission(admissionLimits(config))
    this.buffers = new PacketBuffers(config.maxPacketBytes, config.maxBufferedBytes)
    this.rateLimit = new PublishRateLimit(config.perDevice)
    this.floods = new LogThrottle(logger)
    this.notices = new RejectNotices({
      perSecond: config.perDevice.rejectNoticesPerSecond,
      clock: options.clock ?? systemClock,
      listening: (owner, topic) => this.listens(owner, topic),
      publish: (topic, notice) =>
        this.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(notice)), qos: 1, retain: false, dup: false }, (error) => {
          if (error) logger.warn({ err: error.message, topic }, 'refusal notice not published')
        }),
    })
    this.aedes = new Aedes({
      maxClientsIdLength: config.maxClientIdLength,
      maxInflightInbound: MAX_INFLIGHT_INBOUND,
      connectTimeout: config.connectTimeoutMs,
      drainTimeout: config.drainTimeoutMs,
      // One file per hook, as aedes lays out its own handlers (src/broker/hooks/).
      preConnect: dropWill,
      authenticate: authenticateHook({ access, admission: this.admission, floods: this.floods, logger, deviceKey: (client) => this.deviceKey(client) }),
      authorizePublish: authorizePublishHook({
        access,
        intake,
        rateLimit: this.rateLimit,
        intakeOpen: () => this.intakeOpen,
        deviceKey: (client) => this.deviceKey(client),
        waiting: this.waiting,
      }),
      authorizeSubscribe: authorizeSubscribeHook(access),
      authorizeForward: authorizeForwardHook(access),
    })
    this.aedes.on('client', (client: Client) => this.clients.add(client))
    this.aedes.on('clientDisconnect', (client: Client) => this.clients.delete(client))
    this.aedes.on('clientError', (client: Client, error: Error) => {
      // aedes fails every write waiting for the drain with this error: count the client once.
      if (error.message === 'drain timeout' && !this.drainTimedOut.has(client)) {
        this.drainTimedOut.add(client)
        this.timeouts.drain_timeout++
      }
      logger.debug({ clientId: client.id, err: error.message }, 'client error')
    })
    this.aedes.on('connectionError', (client: Client, error: Error) => {
      if (error.message === 'connect did not arrive in time') this.timeouts.connect_timeout++
      logger.debug({ err: error.message }, 'connection error before CONNECT completed')
    })
  }

  async start(): Promise<ListeningAddresses> {
    const { config, logger } = this.options
    await this.aedes.listen()
    const handle = (conn: Socket): void => {
      if (!this.admission.accepted(conn)) {
        this.logMaxConnections(conn)
        conn.destroy()
        return
      }
      this.buffers.watch(this.aedes.handle(conn))
    }
    const mqtt = await this.listen(createServer(handle), config.host, config.port, 'mqtt')
    let mqtts: AddressInfo | undefined
    if (config.tls) {
      const { cert, key } = readTlsCredentials(config.tls, 'mqtt.tls')
      this.tlsServer = createTlsServer({ cert, key, handshakeTimeout: config.connectTimeoutMs }, handle)
      mqtts = await this.listen(this.tlsServer, config.tls.host, config.tls.port, 'mqtts')
    }
    this.addresses = mqtts ? { mqtt, mqtts } : { mqtt }
    logger.info({ mqtt: `${mqtt.address}:${mqtt.port}`, mqtts: mqtts && `${mqtts.address}:${mqtts.port}` }, 'mqtt broker listening')
    return this.addresses
  }

  get listening(): ListeningAddresses | undefined {
    return this.addresses
  }

  /**
   * Reads the TLS listener's certificate and key again (a reload after a renewal): new connections
   * get them, open ones keep theirs. Throws TLS_FILES_UNREADABLE, and changes nothing, when the
   * files are not a sound pair. Undefined without a TLS listener.
   */
  reloadCertificate(): TlsCredentials | undefined {
    if (!this.tlsServer || !this.options.config.tls) return undefined
    const credentials = readTlsCredentials(this.options.config.tls, 'mqtt.tls')
    this.tlsServer.setSecureContext({ cert: credentials.cert, key: credentials.key })
    return credentials
  }

  get connectedClients(): number {
    return this.aedes.connectedClients ?? 0
  }

  /** Whom the per-device limits count: a registered device, else an anonymous client by its id. */
  private deviceKey(client: Client): string {
    return this.options.access.ownerOf(client)?.deviceId ?? `anonymous:${client.id}`
  }

  /**
   * The limits a config reload may change on the running broker: places, timeouts, the bound of
   * partial packets, per-device rates. Connections already open keep their place.
   */
  updateLimits(config: MqttConfig): void {
    this.admission.limits = admissionLimits(config)
    this.rateLimit.rates = config.perDevice
    this.notices.perSecond = config.perDevice.rejectNoticesPerSecond
    this.buffers.maxBufferedBytes = config.maxBufferedBytes
    // aedes reads both at each use (lib/client.js: connect timer, waitForDrain).
    const aedes = this.aedes as unknown as { connectTimeout: number; opts: { drainTimeout: number } }
    aedes.connectTimeout = config.connectTimeoutMs
    aedes.opts.drainTimeout = config.drainTimeoutMs
  }

  get fairShare(): FairShareCounts {
    const { admission, buffers, rateLimit } = this
    return {
      closed: {
        pending_cap: admission.counts.pendingClosed,
        max_connections: admission.counts.maxConnectionsRefused,
        buffered_bytes: buffers.closed,
        ...this.timeouts,
      },
      refused: { anonymous_cap: admission.counts.anonymousRefused, connect_rate: admission.counts.connectRateRefused },
      delayed: { messages: rateLimit.counts.delayed, ms: rateLimit.counts.delayedMs },
      pendingConnections: admission.pendingCount,
      anonymousConnections: admission.anonymousCount,
      bufferedBytes: buffers.heldBytes,
    }
  }

  /**
   * Tells devices what a committed group refused, on their `.../rejects` topics (only devices
   * connected and subscribed to theirs; rate-limited per device).
   */
  tellRejects(devices: readonly DeviceNotices[]): void {
    this.notices.tell(devices)
  }

  get rejectNotices(): RejectNoticeCounts {
    return this.notices.counts
  }

  /** Whether the device, or its watcher, is connected and subscribed to a filter that matches `topic`. */
  private listens(owner: TopicOwner, topic: string): boolean {
    // A registered device's client ids are its device id and its watcher's (device-access.ts refuses any other).
    const clients = (this.aedes as unknown as { clients: Record<string, Client | undefined> }).clients
    for (const client of [clients[owner.deviceId], clients[watcherClientId(owner.deviceId)]]) {
      if (client === undefined || this.options.access.ownerOf(client)?.storeId !== owner.storeId) continue
      const subscriptions = (client as unknown as { subscriptions: Record<string, unknown> }).subscriptions
      for (const filter in subscriptions) if (topicMatches(filter, topic)) return true
    }
    return false
  }

  /** Client ids of the open connections (a device's client id is its device id). */
  *connectedClientIds(): Iterable<string> {
    for (const client of this.clients) if (client.id) yield client.id
  }

  /**
   * Stops intake: no new connections, and a publish that arrives from now on is refused (its
   * connection closed, nothing acked), so that what was submitted can be drained.
   */
  stopIntake(): void {
    this.intakeOpen = false
    for (const server of this.servers) server.close()
    for (const [timer, done] of this.waiting) {
      clearTimeout(timer)
      done(new Error('the gateway is stopping'))
    }
    this.waiting.clear()
  }

  /** Closes the connections of the clients `revoked` picks (devices removed from the registry). */
  disconnectWhere(revoked: (client: Client) => boolean): number {
    let closed = 0
    for (const client of this.clients) {
      if (revoked(client)) {
        client.close()
        closed++
      }
    }
    return closed
  }

  /** Closes every client connection and the broker. */
  async stop(): Promise<void> {
    this.stopIntake()
    // The last second's summaries, to the devices still connected.
    this.notices.flush()
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()))
    await Promise.all(this.serversClosed)
  }

  private logMaxConnections(conn: Socket): void {
    this.floods.log(
      'warn',
      'max_connections',
      { remote: conn.remoteAddress, refusedSinceStart: this.admission.counts.maxConnectionsRefused },
      'connection refused: mqtt.maxConnections reached (logged once a minute)',
    )
  }

  private async listen(server: Server, host: string, port: number, name: string): Promise<AddressInfo> {
    this.servers.push(server)
    this.serversClosed.push(new Promise((resolve) => server.once('close', resolve)))
    const address = await listenOn(server, host, port, name)
    server.on('error', (error) => this.options.logger.error({ err: error, listener: name }, 'listener error'))
    return address
  }
}
