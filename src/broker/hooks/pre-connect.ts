import type { AedesOptions } from 'aedes'

/**
 * aedes' preConnect (lib/handlers/connect.js): a will is a publish on the device's behalf after it
 * vanished; on a sales topic it would be stored as a sale, elsewhere it is refused anyway. Devices
 * get no will.
 */
export const dropWill: NonNullable<AedesOptions['preConnect']> = (_client, packet, done) => {
  delete (packet as { will?: unknown }).will
  done(null, true)
}
