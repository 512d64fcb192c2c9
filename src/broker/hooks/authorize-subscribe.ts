import type { AedesOptions } from 'aedes'
import type { DeviceAccess } from '../device-access.js'

/** aedes' authorizeSubscribe (lib/handlers/subscribe.js): a subscription as device-access.ts allows it, or narrowed. */
export function authorizeSubscribeHook(access: DeviceAccess): NonNullable<AedesOptions['authorizeSubscribe']> {
  return (client, subscription, done) => {
    done(null, access.authorizeSubscription(client, subscription))
  }
}

/** aedes' authorizeForward (lib/client.js deliver): a message reaches a client only on topics it may read. */
export function authorizeForwardHook(access: DeviceAccess): NonNullable<AedesOptions['authorizeForward']> {
  return (client, packet) => (access.mayReceive(client, packet.topic) ? packet : null)
}
