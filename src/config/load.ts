import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { z } from 'zod'
import { MedallionError } from '../errors.js'
import { renameKeys } from './renamed-keys.js'
import { configSchema, type Config } from './schema.js'

/** The embedded default: a demo configuration that runs on a fresh machine. */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../config/default.json', import.meta.url))

/** Environment variables that override single keys (operators, containers, tests). */
const ENV_OVERRIDES = [
  { name: 'MEDALLION_EDGE_DATA_DIR', path: ['dataDir'], kind: 'string' },
  { name: 'MEDALLION_EDGE_MQTT_PORT', path: ['mqtt', 'port'], kind: 'port' },
  { name: 'MEDALLION_EDGE_HTTP_PORT', path: ['http', 'port'], kind: 'port' },
  { name: 'MEDALLION_EDGE_CENTRAL_TOKEN', path: ['pull', 'token'], kind: 'string' },
] as const

export interface LoadedConfig {
  config: Readonly<Config>
  /** The file the config came from, for messages. */
  source: string
  /** What the operator should change though the config loaded (a renamed key): one line each, for the log or stderr. */
  warnings: string[]
}

/**
 * Loads the config: `--config FILE`, else `MEDALLION_EDGE_CONFIG`, else the embedded default;
 * moves renamed keys to their new names; applies the environment overrides; validates against
 * the schema; resolves `dataDir`; freezes. Throws one MedallionError whose message names every
 * wrong key.
 */
export function loadConfig(configPath: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): LoadedConfig {
  // An empty variable is an unset one (MEDALLION_EDGE_CONFIG= in a unit or a shell).
  const source = configPath ?? (env.MEDALLION_EDGE_CONFIG || DEFAULT_CONFIG_PATH)
  const raw = readJson(source)
  const { warnings, writtenAs } = renameKeys(raw, source)
  applyEnvOverrides(raw, env)
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    throw new MedallionError('CONFIG_INVALID', `config ${source}: ${describeIssues(parsed.error.issues, writtenAs)}`)
  }
  const config = { ...parsed.data, dataDir: resolve(cwd, parsed.data.dataDir) }
  return { config: deepFreeze(config), source, warnings }
}

function readJson(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    throw new MedallionError('CONFIG_UNREADABLE', `config ${file}: cannot read: ${(cause as Error).message}`, { cause })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new MedallionError('CONFIG_UNREADABLE', `config ${file}: not valid JSON: ${(cause as Error).message}`, { cause })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MedallionError('CONFIG_INVALID', `config ${file}: the top level must be a JSON object`)
  }
  return value as Record<string, unknown>
}

function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const override of ENV_OVERRIDES) {
    const text = env[override.name]
    if (text === undefined || text === '') continue
    let value: string | number = text
    if (override.kind === 'port') {
      if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
        throw new MedallionError('CONFIG_INVALID', `${override.name}: expected a port number 0-65535, got '${text}'`)
      }
      value = Number(text)
    }
    setPath(raw, override.path, value)
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) {
    const child = node[key]
    if (typeof child !== 'object' || child === null) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[path[path.length - 1]!] = value
}

/**
 * One line naming each wrong key, e.g. `mqtt.port: expected a number <= 65535; mqtt.bogus: unknown key`.
 * A key the file gave under its old name is named as written, with the new name.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], writtenAs: ReadonlyMap<string, string> = new Map()): string {
  return issues
    .flatMap((issue) => {
      const at = issue.path.map(String)
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `${[...at, key].join('.')}: unknown key`)
      }
      const key = at.join('.')
      const oldName = writtenAs.get(key)
      return [`${oldName ? `${oldName} (renamed ${key})` : key || '(top level)'}: ${issue.message}`]
    })
    .join('; ')
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
