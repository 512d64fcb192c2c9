import type { Logger } from 'pino'
import type { SqliteDatabase } from '../db/open.js'
import type { DeviceAccess } from './device-access.js'
import type { DeviceRegistry } from './device-registry.js'
import type { MqttBroker } from './mqtt-broker.js'

/**
 * `devices add` and `remove` run in another process; every few seconds, if gateway.db changed
 * (PRAGMA data_version), the broker's registered ids are read again and connections of devices no
 * longer registered are closed.
 */
export function watchRegistry(
  db: SqliteDatabase,
  registry: DeviceRegistry,
  access: DeviceAccess,
  broker: MqttBroker,
  logger: Logger,
  intervalMs: number,
): NodeJS.Timeout {
  const dataVersion = db.prepare('PRAGMA main.data_version').pluck()
  let seen = dataVersion.get()
  const timer = setInterval(() => {
    const now = dataVersion.get()
    if (now === seen) return
    seen = now
    access.registryChanged()
    const closed = broker.disconnectWhere((client) => {
      const owner = access.ownerOf(client)
      return owner !== undefined && !registry.exists(owner.deviceId)
    })
    if (closed > 0) logger.info({ closed }, 'closed the connections of removed devices')
  }, intervalMs)
  timer.unref()
  return timer
}
