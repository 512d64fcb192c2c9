import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** The built CLI, as `npm start` runs it (`npm test` builds first). */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

export interface DaemonProcess {
  child: ChildProcess
  mqttPort: number
  httpPort: number
  logs: Record<string, unknown>[]
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Writes a test config (loopback, free ports, info logs) for a data dir; returns its path. */
export function writeDaemonConfig(dir: string, dataDir: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'config.json')
  writeFileSync(
    file,
    JSON.stringify({
      dataDir,
      log: { level: 'info' },
      mqtt: { host: '127.0.0.1', port: 0, allowAnonymous: false },
      http: { host: '127.0.0.1', port: 0 },
      ...extra,
    }),
  )
  return file
}

/** Starts `medallion-edge run --config FILE` as a child process and waits until it is ready. */
export async function startDaemon(configFile: string): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [CLI, 'run', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  const logs: Record<string, unknown>[] = []
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  let httpPort = 0
  const mqttPort = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>
        logs.push(entry)
        if (entry.msg === 'medallion-edge ready') {
          httpPort = entry.httpPort as number
          resolve(entry.mqttPort as number)
        }
      } catch {
        logs.push({ raw: line })
      }
    })
    void exited.then(({ code, signal }) => reject(new Error(`daemon exited (${code ?? signal}) before ready: ${stderr}`)))
  })
  return { child, mqttPort, httpPort, logs, exited }
}

/** SIGTERM, as systemd stops it, and its exit (nothing if it already exited). */
export async function stopDaemon(daemon: DaemonProcess | undefined): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  if (daemon === undefined) return undefined
  if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGTERM')
  return daemon.exited
}
