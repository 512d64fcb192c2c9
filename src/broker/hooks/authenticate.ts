import type { AedesOptions, AuthenticateError, Client } from 'aedes'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import type { LogThrottle } from '../../util/log-throttle.js'
import type { ConnectionAdmission } from '../connection-admission.js'
import type { DeviceAccess } from '../device-access.js'

/** CONNACK return code 3 of MQTT 3.1.1: the client backs off and tries again later. */
const SERVER_UNAVAILABLE = 3

export interface AuthenticateDeps {
  access: DeviceAccess
  admission: ConnectionAdmission
  /** Refusals that come in floods (hostile sockets): logged once a minute each, with a count. */
  floods: LogThrottle
  logger: Logger
  /** Whom the per-device limits count (a registered device, else an anonymous client by its id). */
  deviceKey(client: Client): string
}

/**
 * aedes' authenticate (lib/handlers/connect.js): the device's credentials (device-access.ts), then
 * a place among the connections (connection-admission.ts).
 */
export function authenticateHook(deps: AuthenticateDeps): NonNullable<AedesOptions['authenticate']> {
  return (client, username, password, done) => {
    const refusal = deps.access.authenticate(client, username, password) ?? admit(deps, client)
    done(refusal, refusal === null)
  }
}

/**
 * A client that authenticated takes a place: refused (CONNACK 3, server unavailable) when it
 * connects too often, or when it is anonymous and the anonymous places are taken.
 */
function admit(deps: AuthenticateDeps, client: Client): AuthenticateError | null {
  const { admission, access } = deps
  const { limits } = admission
  const refusals = admission.connectRefusals(deps.deviceKey(client))
  if (refusals > 0) {
    // Logged once a minute per device: a looping device must not flood the log either.
    return refuseConnect(
      deps,
      client,
      `${access.ownerOf(client)?.deviceId ?? client.id} connects more than mqtt.perDevice.connectsPerMinute (${limits.connectsPerMinute}) times a minute`,
      refusals === 1,
    )
  }
  if (access.ownerOf(client) === undefined && !admission.admitAnonymous(client.conn as Socket)) {
    const reason = `mqtt.maxAnonymousConnections (${limits.maxAnonymous}) anonymous clients are connected (logged once a minute)`
    deps.floods.log('warn', 'anonymous_cap', { clientId: client.id }, `connect refused: ${reason}`)
    return refuseConnect(deps, client, reason, false)
  }
  admission.connected(client.conn as Socket)
  return null
}

function refuseConnect(deps: AuthenticateDeps, client: Client, reason: string, log: boolean): AuthenticateError {
  if (log) deps.logger.warn({ clientId: client.id, address: (client.conn as { remoteAddress?: string }).remoteAddress }, 'connect refused: %s', reason)
  return Object.assign(new Error(reason), { returnCode: SERVER_UNAVAILABLE }) as AuthenticateError
}
