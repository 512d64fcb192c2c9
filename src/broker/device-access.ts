import type { AuthenticateError, Client, PublishPacket, Subscription } from 'aedes'
import { isIPv4 } from 'node:net'
import type { Logger } from 'pino'
import type { MqttConfig } from '../config/schema.js'
import type { DeviceRegistry } from './device-registry.js'
import { watcherClientId } from '../contract/reject-notice.js'
import { devicePrefix, isEventTopicOf, parseDeviceTopic, type TopicOwner } from '../contract/device-topic.js'

const WATCH_SUFFIX = watcherClientId('')

/** CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3]. */
const IDENTIFIER_REJECTED = 2
const BAD_USERNAME_OR_PASSWORD = 4
const NOT_AUTHORIZED = 5

function connectRefused(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return address === '::1' || (isIPv4(v4) && v4.startsWith('127.'))
}

export interface DeviceAccessOptions {
  registry: DeviceRegistry
  allowAnonymous: MqttConfig['allowAnonymous']
  logger: Logger
}

/**
 * Who may connect, publish, subscribe and receive (README.md, "Devices"; docs/configuration.md, `mqtt.allowAnonymous`).
 *
 * A device authenticates with username = device id and password = its token, and must use its
 * device id as MQTT client id: aedes keys sessions by client id, so a free choice would let one
 * device take over another's session (and its will and queued messages). It may publish only to
 * its own sales topic and subscribe only under its own prefix.
 *
 * Anonymous clients (when allowed: a demo) may only publish sales of devices that are not
 * registered, under a client id that is not a device's; they may not subscribe. Refusals are
 * counted and logged, never thrown.
 */
export class DeviceAccess {
  private readonly owners = new WeakMap<Client, TopicOwner>()
  readonly refused = { connect: 0, publish: 0, subscribe: 0 }
  /**
   * The registered ids, for anonymous publishes: a Set read instead of a query per message (the
   * query was 18% of the broker thread under the concentrator load, docs/benchmarks.md).
   */
  private registered: { writes: number; ids: Set<string> } | undefined
  /** Devices' second connections (client id `{device_id}/watch`): they may subscribe, not publish. */
  private readonly watchers = new WeakSet<Client>()

  constructor(private readonly options: DeviceAccessOptions) {}

  authenticate(client: Client, username: string | undefined, password: Buffer | undefined): AuthenticateError | null {
    const address = (client.conn as { remoteAddress?: string }).remoteAddress
    const registry = this.options.registry
    if (username === undefined || username === '') {
      const allow = this.options.allowAnonymous
      if (!(allow === true || (allow === 'loopback' && isLoopbackAddress(address)))) {
        return this.refuseConnect(client, address, 'anonymous access is not allowed', NOT_AUTHORIZED)
      }
      const claimed = client.id.endsWith(WATCH_SUFFIX) ? client.id.slice(0, -WATCH_SUFFIX.length) : client.id
      if (registry.exists(claimed)) {
        return this.refuseConnect(client, address, `anonymous client may not use device ${claimed}'s client id`, IDENTIFIER_REJECTED)
      }
      return null
    }
    const owner = registry.verify(username, password ?? '')
    if (owner === undefined) {
      return this.refuseConnect(client, address, `unknown device or wrong token for '${username}'`, BAD_USERNAME_OR_PASSWORD)
    }
    if (client.id !== username && client.id !== watcherClientId(username)) {
      return this.refuseConnect(
        client,
        address,
        `device ${username} must connect with client id ${username} (or ${watcherClientId(username)} to watch its notices)`,
        IDENTIFIER_REJECTED,
      )
    }
    this.owners.set(client, owner)
    if (client.id !== username) this.watchers.add(client)
    return null
  }

  /** Whether the client may publish to the topic (a refusal closes the connection). */
  mayPublish(client: Client | null, packet: PublishPacket): boolean {
    const owner = client === null ? undefined : this.owners.get(client)
    let allowed: boolean
    if (owner !== undefined) {
      allowed = isEventTopicOf(packet.topic, owner) && !this.watchers.has(client!)
    } else {
      const topic = parseDeviceTopic(packet.topic)
      allowed = topic !== undefined && !this.isRegistered(topic.deviceId)
    }
    if (!allowed) {
      this.refused.publish++
      this.options.logger.warn({ clientId: client?.id, device: owner?.deviceId, topic: packet.topic }, "publish refused: not one of this client's event topics")
    }
    return allowed
  }

  /**
   * gateway.db changed in another process (a `devices add` or `remove`): the registered ids are
   * read again at the next anonymous publish. The daemon's registry watch calls it within
   * REGISTRY_WATCH_MS, so an anonymous client may publish as a just-registered device that long.
   */
  registryChanged(): void {
    this.registered = undefined
  }

  private isRegistered(deviceId: string): boolean {
    const registry = this.options.registry
    if (this.registered?.writes !== registry.localWrites) this.registered = { writes: registry.localWrites, ids: registry.ids() }
    return this.registered.ids.has(deviceId)
  }

  /** The subscription if allowed, else null (SUBACK 0x80, the connection stays). */
  authorizeSubscription(client: Client, subscription: Subscription): Subscription | null {
    const owner = this.owners.get(client)
    if (owner !== undefined && subscription.topic.startsWith(devicePrefix(owner))) return subscription
    this.refused.subscribe++
    this.options.logger.warn({ clientId: client.id, device: owner?.deviceId, topic: subscription.topic }, "subscribe refused: outside the device's prefix")
    return null
  }

  /**
   * Whether a message is delivered to a subscriber: only under the subscriber's own prefix, and
   * never an event topic (events go to bronze; fanning them out would only queue them in memory).
   */
  mayReceive(client: Client, topic: string): boolean {
    const owner = this.owners.get(client)
    return owner !== undefined && topic.startsWith(devicePrefix(owner)) && parseDeviceTopic(topic) === undefined
  }

  /** The device a connected client authenticated as. */
  ownerOf(client: Client): TopicOwner | undefined {
    return this.owners.get(client)
  }

  private refuseConnect(client: Client, address: string | undefined, reason: string, returnCode: number): AuthenticateError {
    this.refused.connect++
    this.options.logger.warn({ clientId: client.id, address }, 'connect refused: %s', reason)
    return connectRefused(reason, returnCode)
  }
}
