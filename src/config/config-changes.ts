import { isRecord } from '../util/is-record.js'
import type { Config } from './schema.js'

/**
 * What a reload (SIGHUP) applies to the running daemon. Everything else (addresses, ports, the
 * data directory, the store's zone and currency, storage.synchronous, the dashboard...) is read
 * once at the start: a change there is logged as needing a restart, and not applied.
 */
const LIVE_KEYS = [
  'log.level',
  'http.tokens',
  'schedule',
  'silver.expectations',
  'upload',
  // Not rejectsMaxMiB: the bronze thread takes that bound at its start.
  'retention.salesDays',
  'retention.rejectsDays',
  'retention.goldDays',
  'mqtt.maxConnections',
  'mqtt.maxPendingConnections',
  'mqtt.maxAnonymousConnections',
  'mqtt.connectTimeoutMs',
  'mqtt.drainTimeoutMs',
  'mqtt.maxBufferedBytes',
  'mqtt.perDevice',
] as const

export interface ConfigChanges {
  /** Keys (dotted paths) that changed and are applied now. */
  applied: string[]
  /** Keys that changed and wait for a restart. */
  needRestart: string[]
  /** The config to run with: the running one, with the live keys taken from the new one. */
  next: Config
}

/** Whether a changed path is `key` or lies under it. */
export const touches = (path: string, key: string): boolean => path === key || path.startsWith(`${key}.`)

const isLive = (path: string): boolean => LIVE_KEYS.some((key) => touches(path, key))

/** Dotted paths whose values differ (arrays compared whole: an expectation list is one key). */
function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (!isRecord(before) || !isRecord(after)) return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix]
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...keys].sort().flatMap((key) => changedPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key))
}

function valueAt(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], config)
}

function withValue(config: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [key, ...rest] = path.split('.')
  const inner = rest.length === 0 ? value : withValue((config[key!] ?? {}) as Record<string, unknown>, rest.join('.'), value)
  return { ...config, [key!]: inner }
}

/** Compares the running config with a reloaded one. */
export function configChanges(running: Readonly<Config>, reloaded: Readonly<Config>): ConfigChanges {
  const changed = changedPaths(running, reloaded)
  const applied = changed.filter(isLive)
  const needRestart = changed.filter((path) => !isLive(path))
  let next = running as unknown as Record<string, unknown>
  for (const key of LIVE_KEYS) next = withValue(next, key, valueAt(reloaded, key))
  return { applied, needRestart, next: next as unknown as Config }
}
