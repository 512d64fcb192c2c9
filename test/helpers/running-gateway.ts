import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { DeviceRegistry, type IssuedDevice } from '../../src/broker/device-registry.js'
import type { Config } from '../../src/config/schema.js'
import { systemClock, type Clock } from '../../src/util/clock.js'
import type { GatewayAddresses } from '../../src/gateway.js'
import { createGateway, type Gateway } from '../../src/gateway.js'
import type { LiveOptions } from '../../src/http/live/live-day-hub.js'
import { readBronze } from './bronze-db.js'
import { makeTempDir } from './temp-dir.js'
import { testConfig } from './test-config.js'
import { openMigrated } from '../../src/schemas.js'

/** The staff page as `npm run build` made it (the gateway under test runs from src/, not dist/). */
const BUILT_DASHBOARD = fileURLToPath(new URL('../../dist/http/dashboard', import.meta.url))

export interface RunningGateway {
  gateway: Gateway
  config: Config
  dataDir: string
  url: string
  port: number
  addresses: GatewayAddresses
  /** Registers a device through the same registry the CLI uses. */
  addDevice(deviceId: string, storeId?: string): IssuedDevice
  removeDevice(deviceId: string): void
  bronze(): ReturnType<typeof readBronze>
  /** Errors the gateway reported as fatal (a pipeline thread died). */
  fatal: Error[]
  /** Stops the gateway and starts a new one on the same data directory (an upgrade's restart; new ports). */
  restart(): Promise<void>
  stop(): Promise<void>
}

/**
 * An in-process gateway on 127.0.0.1 and a free port, on a fresh data dir (removed by `stop()`),
 * or on the caller's `dataDir` (kept); on the caller's `clock` if given (fake-clock.ts's shiftedClock
 * sets "now"), else the system's; with the live stream's pace `live` if given (app.ts's LIVE_DEFAULTS).
 */
export async function startGateway(
  overrides: Parameters<typeof testConfig>[1] = {},
  options: { dataDir?: string; clock?: Clock; live?: Partial<LiveOptions> } = {},
): Promise<RunningGateway> {
  const dir = options.dataDir === undefined ? makeTempDir() : { path: options.dataDir, remove: () => {} }
  // The registry as the CLI uses it: its own connection, in another "process".
  const withRegistry = <T>(use: (registry: DeviceRegistry) => T): T => {
    const db = openMigrated(dir.path, { attach: [] })
    try {
      return use(new DeviceRegistry(db))
    } finally {
      db.close()
    }
  }
  const config = testConfig(dir.path, overrides)
  const fatal: Error[] = []
  const start = async (): Promise<[Gateway, GatewayAddresses]> => {
    const gateway = createGateway({
      config,
      logger: pino({ level: 'silent' }),
      onFatal: (error) => fatal.push(error),
      dashboardDir: BUILT_DASHBOARD,
      clock: options.clock ?? systemClock,
      live: options.live,
    })
    return [gateway, await gateway.start()]
  }
  const [gateway, addresses] = await start()
  const running: RunningGateway = {
    gateway,
    config,
    dataDir: dir.path,
    url: `mqtt://127.0.0.1:${addresses.mqtt.port}`,
    port: addresses.mqtt.port,
    addresses,
    addDevice: (deviceId, storeId = config.storeId) => withRegistry((registry) => registry.add(deviceId, storeId)),
    removeDevice: (deviceId) => withRegistry((registry) => registry.remove(deviceId)),
    bronze: () => readBronze(dir.path),
    fatal,
    async restart() {
      await running.gateway.stop()
      const [next, nextAddresses] = await start()
      Object.assign(running, { gateway: next, addresses: nextAddresses, url: `mqtt://127.0.0.1:${nextAddresses.mqtt.port}`, port: nextAddresses.mqtt.port })
    },
    async stop() {
      await running.gateway.stop()
      dir.remove()
    },
  }
  return running
}
