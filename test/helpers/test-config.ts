import { configSchema, type Config } from '../../src/config/schema.js'

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] }

/** A valid config for tests: loopback, free ports, the given data dir, quiet logs. */
export function testConfig(dataDir: string, overrides: DeepPartial<Config> = {}): Config {
  return configSchema.parse({
    dataDir,
    log: { level: 'silent' },
    ...overrides,
    mqtt: { host: '127.0.0.1', port: 0, allowAnonymous: false, ...overrides.mqtt },
    http: { host: '127.0.0.1', port: 0, ...overrides.http },
    storage: { synchronous: 'FULL', ...overrides.storage },
  })
}
