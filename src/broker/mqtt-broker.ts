import { Aedes, type Client } from 'aedes'
import { readFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import type { Logger } from 'pino'
import type { MqttConfig } from '../config/schema.js'
import { MedallionError } from '../errors.js'
import type { DeviceAccess } from './device-access.js'
import { guardPacketSize } from './packet-size-guard.js'

/** Where accepted publishes go: `done` must run only once the message is durable. */
export type PublishIntake = (
  topic: string,
  clientId: string | null,
  payload: Uint8Array,
  receivedAtMs: number,
  done: (error: Error | null) => void,
) => void

export interface MqttBrokerOptions {
  config: MqttConfig
  access: DeviceAccess
  intake: PublishIntake
  logger: Logger
}

export interface ListeningAddresses {
  mqtt: AddressInfo
  mqtts?: AddressInfo
}

/** QoS 2 packets a client may leave without PUBREL; aedes keeps each one, payload and all. */
const MAX_INFLIGHT_INBOUND = 32
const NO_PAYLOAD = Buffer.alloc(0)

/**
 * The aedes broker on a plain listener and an optional TLS listener.
 *
 * Ack after commit: aedes writes the QoS 1 PUBACK, and stores the QoS 2 packet and sends PUBREC,
 * only after `authorizePublish` calls back (lib/handlers/publish.js: authorizePublish, then
 * enqueuePublish). So the intake runs inside `authorizePublish` and calls back after the group
 * commit. A refusal there (`callback(err)`) closes the connection, since MQTT 3.1.1 has no
 * negative PUBACK: it is used for ACL refusals only; bad payloads are acked after their reject
 * row is committed.
 */
export class MqttBroker {
  private readonly aedes: Aedes
  private readonly clients = new Set<Client>()
  private intakeOpen = true
  private readonly servers: Server[] = []
  private readonly serversClosed: Promise<unknown>[] = []
  private addresses: ListeningAddresses | undefined

  constructor(private readonly options: MqttBrokerOptions) {
    const { access, intake, logger } = options
    this.aedes = new Aedes({
      maxClientsIdLength: options.config.maxClientIdLength,
      maxInflightInbound: MAX_INFLIGHT_INBOUND,
      preConnect: (_client, packet, done) => {
        // A will is a publish on the device's behalf after it vanished: on a sales topic it would
        // be stored as a sale, elsewhere it is refused anyway. Devices get no will.
        delete (packet as { will?: unknown }).will
        done(null, true)
      },
      authenticate: (client, username, password, done) => {
        const refusal = access.authenticate(client, username, password)
        done(refusal, refusal === null)
      },
      authorizePublish: (client, packet, done) => {
        if (!this.intakeOpen) {
          // Stopping: not acked, so the device resends it to the next run.
          done(new Error('the gateway is stopping'))
          return
        }
        if (!access.mayPublish(client, packet)) {
          done(new Error(`not authorized to publish to ${packet.topic}`))
          return
        }
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload, 'utf8') : packet.payload
        // Bronze is the only consumer: aedes keeps neither a retained copy nor the payload of a
        // QoS 2 packet waiting for PUBREL (a device could otherwise pin memory with them).
        packet.retain = false
        packet.payload = NO_PAYLOAD
        intake(packet.topic, client?.id ?? null, payload, Date.now(), done)
      },
      authorizeSubscribe: (client, subscription, done) => {
        done(null, access.authorizeSubscription(client, subscription))
      },
      authorizeForward: (client, packet) => (access.mayReceive(client, packet.topic) ? packet : null),
    })
    this.aedes.on('client', (client: Client) => this.clients.add(client))
    this.aedes.on('clientDisconnect', (client: Client) => this.clients.delete(client))
    this.aedes.on('clientError', (client: Client, error: Error) => {
      logger.debug({ clientId: client.id, err: error.message }, 'client error')
    })
    this.aedes.on('connectionError', (client: Client, error: Error) => {
      logger.debug({ err: error.message }, 'connection error before CONNECT completed')
    })
  }

  async start(): Promise<ListeningAddresses> {
    const { config, logger } = this.options
    await this.aedes.listen()
    const handle = (conn: import('node:net').Socket): void => {
      guardPacketSize(this.aedes.handle(conn), config.maxPacketBytes)
    }
    const mqtt = await this.listen(createServer(handle), config.host, config.port, 'mqtt')
    let mqtts: AddressInfo | undefined
    if (config.tls) {
      const tls = config.tls
      let credentials: { cert: Buffer; key: Buffer }
      try {
        credentials = { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }
      } catch (cause) {
        throw new MedallionError('TLS_FILES_UNREADABLE', `mqtt.tls: ${(cause as Error).message}`, { cause })
      }
      mqtts = await this.listen(createTlsServer(credentials, handle), tls.host, tls.port, 'mqtts')
    }
    this.addresses = mqtts ? { mqtt, mqtts } : { mqtt }
    logger.info({ mqtt: `${mqtt.address}:${mqtt.port}`, mqtts: mqtts && `${mqtts.address}:${mqtts.port}` }, 'mqtt broker listening')
    return this.addresses
  }

  get listening(): ListeningAddresses | undefined {
    return this.addresses
  }

  get connectedClients(): number {
    return this.aedes.connectedClients ?? 0
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
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()))
    await Promise.all(this.serversClosed)
  }

  private async listen(server: Server, host: string, port: number, name: string): Promise<AddressInfo> {
    server.maxConnections = this.options.config.maxConnections
    server.on('drop', (drop) => this.options.logger.warn({ remote: drop?.remoteAddress, listener: name }, 'connection refused: mqtt.maxConnections reached'))
    this.servers.push(server)
    this.serversClosed.push(new Promise((resolve) => server.once('close', resolve)))
    await new Promise<void>((resolve, reject) => {
      server.once('error', (cause) => reject(new MedallionError('LISTEN_FAILED', `${name} listener on ${host}:${port}: ${cause.message}`, { cause })))
      server.listen(port, host, () => resolve())
    })
    server.on('error', (error) => this.options.logger.error({ err: error, listener: name }, 'listener error'))
    return server.address() as AddressInfo
  }
}
