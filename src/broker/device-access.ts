import type { AuthenticateError, Client, PublishPacket, Subscription } from 'aedes'
import { isIPv4 } from 'node:net'
import type { Logger } from 'pino'
import type { MqttConfig } from '../config/schema.js'
import { ID_PATTERN } from '../config/schema.js'
import type { DeviceRegistry } from './device-registry.js'
import { devicePrefix, parseSalesTopic, salesTopic, type TopicOwner } from './sales-topic.js'

/** CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3]. */
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

/** `stores/{s}/devices/{d}/...` with concrete ids: what an anonymous client may subscribe to. */
function isConcreteDeviceFilter(filter: string): boolean {
  const levels = filter.split('/')
  return levels.length >= 5 && levels[0] === 'stores' && levels[2] === 'devices' &&
    ID_PATTERN.test(levels[1]!) && ID_PATTERN.test(levels[3]!)
}

export interface DeviceAccessOptions {
  registry: DeviceRegistry
  allowAnonymous: MqttConfig['allowAnonymous']
  logger: Logger
}

/**
 * Who may connect, publish and subscribe [CONTRACT: Authentication]. A device authenticates with
 * username = device id and password = its token; it may publish only to its own sales topic and
 * subscribe only under its own prefix. Refusals are counted and logged, never thrown.
 */
export class DeviceAccess {
  private readonly owners = new WeakMap<Client, TopicOwner>()
  readonly refused = { connect: 0, publish: 0, subscribe: 0 }

  constructor(private readonly options: DeviceAccessOptions) {}

  authenticate(client: Client, username: string | undefined, password: Buffer | undefined): AuthenticateError | null {
    const address = (client.conn as { remoteAddress?: string }).remoteAddress
    if (username === undefined || username === '') {
      const allow = this.options.allowAnonymous
      if (allow === true || (allow === 'loopback' && isLoopbackAddress(address))) return null
      return this.refuseConnect(client, address, 'anonymous access is not allowed', NOT_AUTHORIZED)
    }
    const owner = this.options.registry.verify(username, password ?? '')
    if (owner === undefined) {
      return this.refuseConnect(client, address, `unknown device or wrong token for '${username}'`, BAD_USERNAME_OR_PASSWORD)
    }
    this.owners.set(client, owner)
    return null
  }

  /** Whether the client may publish to the topic (a refusal closes the connection). */
  mayPublish(client: Client | null, packet: PublishPacket): boolean {
    const owner = client === null ? undefined : this.owners.get(client)
    const allowed = owner === undefined ? parseSalesTopic(packet.topic) !== undefined : packet.topic === salesTopic(owner)
    if (!allowed) {
      this.refused.publish++
      this.options.logger.warn({ clientId: client?.id, device: owner?.deviceId, topic: packet.topic }, 'publish refused: not this device\'s sales topic')
    }
    return allowed
  }

  /** The subscription if allowed, else null (SUBACK 0x80, the connection stays). */
  authorizeSubscription(client: Client, subscription: Subscription): Subscription | null {
    const owner = this.owners.get(client)
    const allowed = owner === undefined
      ? isConcreteDeviceFilter(subscription.topic)
      : subscription.topic.startsWith(devicePrefix(owner))
    if (allowed) return subscription
    this.refused.subscribe++
    this.options.logger.warn({ clientId: client.id, device: owner?.deviceId, topic: subscription.topic }, 'subscribe refused: outside the device\'s prefix')
    return null
  }

  private refuseConnect(client: Client, address: string | undefined, reason: string, returnCode: number): AuthenticateError {
    this.refused.connect++
    this.options.logger.warn({ clientId: client.id, address }, 'connect refused: %s', reason)
    return connectRefused(reason, returnCode)
  }
}
