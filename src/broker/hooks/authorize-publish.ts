import type { AedesOptions, Client } from 'aedes'
import type { DeviceAccess } from '../device-access.js'
import type { PublishIntake } from '../mqtt-broker.js'
import type { PublishRateLimit } from '../publish-rate-limit.js'

const NO_PAYLOAD = Buffer.alloc(0)

export interface AuthorizePublishDeps {
  access: DeviceAccess
  intake: PublishIntake
  rateLimit: PublishRateLimit
  /** False once the broker stops: a publish is then refused, not acked, and resent to the next run. */
  intakeOpen(): boolean
  deviceKey(client: Client): string
  /** Publishes waiting for their device's rate, with their callbacks (refused if the broker stops). */
  waiting: Map<NodeJS.Timeout, (error: Error) => void>
}

/**
 * aedes' authorizePublish (lib/handlers/publish.js), where the intake runs: aedes writes the QoS 1
 * PUBACK (and stores a QoS 2 packet and sends PUBREC) only after this calls back, and it calls back
 * after the group commit. A refusal closes the connection (MQTT 3.1.1 has no negative PUBACK): it
 * is for the ACL only; a bad payload is acked once its reject row is committed.
 */
export function authorizePublishHook(deps: AuthorizePublishDeps): NonNullable<AedesOptions['authorizePublish']> {
  return (client, packet, done) => {
    if (!deps.intakeOpen()) {
      // Stopping: not acked, so the device resends it to the next run.
      done(new Error('the gateway is stopping'))
      return
    }
    if (!deps.access.mayPublish(client, packet)) {
      done(new Error(`not authorized to publish to ${packet.topic}`))
      return
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload, 'utf8') : packet.payload
    // Bronze is the only consumer: aedes keeps neither a retained copy nor the payload of a
    // QoS 2 packet waiting for PUBREL (a device could otherwise pin memory with them).
    packet.retain = false
    packet.payload = NO_PAYLOAD
    const waitMs = deps.rateLimit.enabled && client !== null ? deps.rateLimit.delayFor(deps.deviceKey(client), payload.byteLength) : 0
    if (waitMs === 0) {
      deps.intake(packet.topic, client?.id ?? null, payload, Date.now(), done)
      return
    }
    // Over its rate: the message (and the device's connection) waits; nothing is refused.
    const timer = setTimeout(() => {
      deps.waiting.delete(timer)
      deps.intake(packet.topic, client?.id ?? null, payload, Date.now(), done)
    }, waitMs)
    deps.waiting.set(timer, done)
  }
}
