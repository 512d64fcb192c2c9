import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { DeviceRegistry } from '../../src/broker/device-registry.js'
import type { PublisherConnection } from '../load/raw-publisher.js'
import { openMigrated } from '../../src/schemas.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A broker under test, running as its own process. */
export interface Target {
  name: string
  pid: number
  port: number
  /** The daemon's HTTP port (medallion-edge only). */
  httpPort?: number
  /** The daemon's staff bearer token, when the bench configured one (medallion-edge only). */
  staffToken?: string
  connections: PublisherConnection[]
  stop(): Promise<void>
}

/**
 * The concentrator load shape: few anonymous connections, each publishing the sales of many
 * devices in turn (a test bench, or a hub in front of the tills), as opposed to one connection per
 * device with its own token.
 */
export interface Concentrator {
  /** Device ids, spread over the connections: device j publishes through connection j mod connections. */
  devices: number
}

/** A staff token for the daemon's /metrics and /api/v1/totals (http.tokens.staff wants >= 16 characters). */
export const BENCH_STAFF_TOKEN = 'staff-token-0123456789'

function anonymousConnections(count: number, concentrator?: Concentrator): PublisherConnection[] {
  if (concentrator === undefined) {
    return Array.from({ length: count }, (_, i) => ({ clientId: `bench-${i}`, deviceId: `bench-${i}`, storeId: 'store_001' }))
  }
  // Same-length ids, so that every device's packet has the same size.
  const width = String(concentrator.devices - 1).length
  const ids = Array.from({ length: concentrator.devices }, (_, j) => `till-${String(j).padStart(width, '0')}`)
  return Array.from({ length: count }, (_, i) => {
    const deviceIds = ids.filter((_, j) => j % count === i)
    return { clientId: `concentrator-${i}`, deviceId: deviceIds[0]!, deviceIds, storeId: 'store_001' }
  })
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** Waits for the first stdout line for which `pick` returns a port. */
function portFromOutput(child: ChildProcess, pick: (line: string) => number | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = ''
    child.stderr?.on('data', (chunk) => (stderr += chunk))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const port = pick(line)
      if (port !== undefined) resolve(port)
    })
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening: ${stderr}`)))
  })
}

/**
 * Debian's mosquitto with persistence off, on loopback, anonymous; `nodelay`: with
 * `set_tcp_nodelay true` (its default leaves Nagle's algorithm on).
 */
export async function startMosquitto(workDir: string, connections: number, concentrator?: Concentrator, nodelay = false): Promise<Target> {
  const port = await freePort()
  const conf = join(workDir, nodelay ? 'mosquitto-nodelay.conf' : 'mosquitto.conf')
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_type error\n${nodelay ? 'set_tcp_nodelay true\n' : ''}`)
  const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  await new Promise((resolve) => setTimeout(resolve, 300))
  if (child.exitCode !== null) throw new Error('mosquitto did not start')
  const name = nodelay ? 'mosquitto (TCP_NODELAY)' : 'mosquitto'
  return { name, pid: child.pid!, port, connections: anonymousConnections(connections, concentrator), stop: () => stopChild(child) }
}

/** aedes with no handlers, in its own Node process. */
export async function startBareAedes(connections: number, concentrator?: Concentrator): Promise<Target> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/targets/bare-aedes.ts')], { stdio: ['ignore', 'pipe', 'pipe'] })
  const port = await portFromOutput(child, (line) => (JSON.parse(line) as { port: number }).port)
  return { name: 'bare aedes', pid: child.pid!, port, connections: anonymousConnections(connections, concentrator), stop: () => stopChild(child) }
}

/** aedes plus one SQLite table, acked after the group commit (bench/targets/durable-capture.ts), in its own Node process. */
export async function startDurableCapture(dataDir: string, connections: number, concentrator?: Concentrator): Promise<Target> {
  mkdirSync(dataDir, { recursive: true })
  const script = join(ROOT, 'bench/targets/durable-capture.ts')
  const child = spawn(process.execPath, ['--import', 'tsx', script, join(dataDir, 'capture.db')], { stdio: ['ignore', 'pipe', 'pipe'] })
  const port = await portFromOutput(child, (line) => (JSON.parse(line) as { port: number }).port)
  const name = 'simplest durable capture'
  return { name, pid: child.pid!, port, connections: anonymousConnections(connections, concentrator), stop: () => stopChild(child) }
}

export interface MedallionOptions {
  dataDir: string
  synchronous: 'FULL' | 'NORMAL'
  connections: number
  name?: string
  /**
   * Anonymous concentrators instead of registered devices: `mqtt.allowAnonymous` on, and the
   * devices left unregistered, because an anonymous client may publish only for devices that are
   * not registered (src/broker/device-access.ts; CONTRACT: Authentication).
   */
  concentrator?: Concentrator
  /** Sets `http.tokens.staff` (for /metrics; the totals then want it too). Default: none, staff routes open. */
  staffToken?: string
  /** The store of registered device `i` (default: store_001 for every one). */
  storeOf?: (i: number) => string
  /** The checkout whose built daemon runs (its dist/): another build, for `npm run bench -- ingest-ab`. Default: this one. */
  root?: string
}

/**
 * The built daemon (`node dist/cli/main.js run`), with one registered device per connection, or
 * anonymous concentrators publishing for unregistered devices.
 */
export async function startMedallion(options: MedallionOptions): Promise<Target> {
  mkdirSync(options.dataDir, { recursive: true })
  let connections: PublisherConnection[]
  if (options.concentrator) {
    connections = anonymousConnections(options.connections, options.concentrator)
  } else {
    const db = openMigrated(options.dataDir, { attach: [] })
    const registry = new DeviceRegistry(db)
    connections = Array.from({ length: options.connections }, (_, i) => {
      const storeId = options.storeOf?.(i) ?? 'store_001'
      const issued = registry.issue(`bench-${i}`, storeId)
      return { clientId: `bench-${i}`, deviceId: issued.deviceId, storeId, username: issued.deviceId, password: issued.token }
    })
    db.close()
  }
  const config = join(options.dataDir, '..', `config-${options.synchronous}.json`)
  writeFileSync(
    config,
    JSON.stringify({
      dataDir: options.dataDir,
      log: { level: 'info' },
      // The pipeline is measured, not the per-device limits (docs/bronze.md, Fair sharing).
      mqtt: {
        host: '127.0.0.1',
        port: 0,
        allowAnonymous: options.concentrator !== undefined,
        perDevice: { messagesPerSecond: 0, bytesPerSecond: 0, connectsPerMinute: 0 },
      },
      http: { host: '127.0.0.1', port: 0, ...(options.staffToken ? { tokens: { staff: options.staffToken } } : {}) },
      storage: { synchronous: options.synchronous },
      ...(process.env.BENCH_MAX_GROUP_MESSAGES ? { bronze: { maxGroupMessages: Number(process.env.BENCH_MAX_GROUP_MESSAGES) } } : {}),
    }),
  )
  // BENCH_DAEMON_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the daemon under load.
  const flags = process.env.BENCH_DAEMON_NODE_FLAGS?.split(' ').filter(Boolean) ?? []
  const child = spawn(process.execPath, [...flags, join(options.root ?? ROOT, 'dist/cli/main.js'), 'run', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(process.env.BENCH_DAEMON_ENV ? Object.fromEntries([process.env.BENCH_DAEMON_ENV.split('=')]) : {}) },
  })
  let httpPort: number | undefined
  const port = await portFromOutput(child, (line) => {
    const entry = JSON.parse(line) as { msg?: string; mqttPort?: number; httpPort?: number }
    if (entry.msg !== 'medallion-edge ready') return undefined
    httpPort = entry.httpPort
    return entry.mqttPort
  })
  if (process.env.BENCH_SHOW_DAEMON_LOG) {
    createInterface({ input: child.stdout! }).on('line', (line) => line.includes('pipeline stopped') && process.stderr.write(line + '\n'))
  }
  return {
    name: options.name ?? `medallion-edge (${options.synchronous})`,
    pid: child.pid!,
    port,
    httpPort,
    staffToken: options.staffToken,
    connections,
    stop: () => stopChild(child),
  }
}
