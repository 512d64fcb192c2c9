import { execFile, spawn } from 'node:child_process'
import { chownSync, lstatSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, type CliResult } from '../helpers/cli.js'
import { CLI, writeDaemonConfig } from '../helpers/daemon.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const ROOT = process.getuid?.() === 0
const NOBODY = 65534

/** The CLI as the service's user would run it (nobody here). */
function asService(args: string[]): Promise<CliResult> {
  return new Promise((resolve) =>
    execFile('runuser', ['-u', 'nobody', '--', process.execPath, CLI, ...args], (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    ),
  )
}

/** `run` as the service's user: resolves once it is ready, or with its stderr when it exits first. */
function startAsService(configFile: string): Promise<{ ready: boolean; stderr: string; stop: () => Promise<void> }> {
  const child = spawn('runuser', ['-u', 'nobody', '--', process.execPath, CLI, 'run', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
  }
  return new Promise((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"medallion-edge ready"')) resolve({ ready: true, stderr, stop })
    })
    void exited.then(() => resolve({ ready: false, stderr, stop }))
  })
}

/** Every entry under `dir` whose owner is not `uid`. */
function notOwnedBy(dir: string, uid: number): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => lstatSync(join(dir, name)).uid !== uid)
}

// Root is needed to chown and to act as another user; CI runs the suite as root.
describe.skipIf(!ROOT)('restore run as root, on a data directory of the service user', () => {
  const dir = makeTempDir('medallion-restore-root-')
  afterAll(() => dir.remove())

  it("restore and any other command keep every file the service user's; the daemon starts as that user; a file left to root is named at the start", async () => {
    chownSync(dir.path, NOBODY, NOBODY)
    const data = join(dir.path, 'data')
    const backups = join(dir.path, 'backups')
    for (const path of [data, backups]) {
      mkdirSync(path)
      chownSync(path, NOBODY, NOBODY)
    }
    const config = writeDaemonConfig(dir.path, data)
    // A provisioning script registers a device as root before the service first starts: gateway.db is
    // made by root, and stays the service user's.
    expect((await runCli(['devices', 'add', 'till-1', '--config', config])).code).toBe(0)
    expect(notOwnedBy(data, NOBODY)).toEqual([])
    const first = await startAsService(config)
    expect(first.ready, first.stderr).toBe(true)
    await first.stop()
    const backup = await asService(['backup', '--out', join(backups, 'b1'), '--config', config])
    expect(backup.code, backup.stderr).toBe(0)

    const restored = await runCli(['restore', '--from', join(backups, 'b1'), '--config', config])
    expect(restored.code, restored.stderr).toBe(0)
    expect(notOwnedBy(data, NOBODY)).toEqual([])
    const daemon = await startAsService(config)
    expect(daemon.ready, daemon.stderr).toBe(true)
    await daemon.stop()

    // What a root command could leave before this release: the start names the file, in one line.
    chownSync(join(data, 'gateway.db'), 0, 0)
    const refused = await startAsService(config)
    expect(refused.ready).toBe(false)
    expect(refused.stderr.trim()).toBe(
      `medallion-edge: data directory ${data}: ${join(data, 'gateway.db')} (owner uid 0, gid 0, mode 0644) is not writable by user nobody (uid ${NOBODY}): give the directory back to that user (chown -R nobody: ${data})`,
    )
  })
})
