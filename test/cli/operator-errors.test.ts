import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, type CliResult } from '../helpers/cli.js'
import { CLI, startDaemon, writeDaemonConfig } from '../helpers/daemon.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const dir = makeTempDir()
chmodSync(dir.path, 0o755)
afterAll(() => dir.remove())

/** One line on stderr naming the cause, no stack trace, a non-zero exit. */
function expectOneLine(result: CliResult, pattern: RegExp, code = 1): void {
  expect(result.code, result.stderr).toBe(code)
  expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1)
  expect(result.stderr).not.toMatch(/\n\s+at /)
  expect(result.stderr).toMatch(pattern)
}

function config(name: string, dataDir: string): string {
  mkdirSync(join(dir.path, name), { recursive: true })
  return writeDaemonConfig(join(dir.path, name), dataDir)
}

/** The CLI as another user: root passes every permission check, `nobody` does not. */
function runCliAsNobody(args: string[]): Promise<CliResult> {
  const [command, prefix] = process.getuid?.() === 0 ? ['runuser', ['-u', 'nobody', '--', process.execPath]] : [process.execPath, []]
  return new Promise((resolve) => {
    execFile(command, [...prefix, CLI, ...args], (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

describe('every operator mistake is one clear line and a non-zero exit, never a stack trace', () => {
  it('a data directory that is a file', async () => {
    const file = join(dir.path, 'a-file')
    writeFileSync(file, 'x')
    expectOneLine(await runCli(['run', '--config', config('file', file)]), new RegExp(`data directory ${file}: is a file, not a directory`))
  })

  it("a data directory that cannot be made (a parent not writable by the daemon's user)", async () => {
    const locked = join(dir.path, 'locked')
    mkdirSync(locked, { mode: 0o555 })
    chmodSync(locked, 0o555)
    const file = config('locked-config', join(locked, 'data'))
    chmodSync(file, 0o644)
    expectOneLine(
      await runCliAsNobody(['run', '--config', file]),
      new RegExp(`data directory ${locked}/data: cannot be created: ${locked} is not writable by `),
    )
  })

  it('a data directory where nothing can be made (a parent that refuses every new entry)', async () => {
    expectOneLine(
      await runCli(['run', '--config', config('proc', '/proc/medallion-edge-test')]),
      /data directory \/proc\/medallion-edge-test: cannot be created: .*mkdir '\/proc\/medallion-edge-test'/,
    )
  })

  it('a typo in dataDir: only the last level is made, so a missing parent is named instead of a new tree', async () => {
    const typo = join(dir.path, 'medallion-egde', 'data')
    expectOneLine(
      await runCli(['devices', 'add', 'till-1', '--config', config('typo', typo)]),
      new RegExp(
        `data directory ${typo}: cannot be created: its parent ${join(dir.path, 'medallion-egde')} does not exist \\(is dataDir spelled right\\? create the parent first\\)`,
      ),
    )
    expect(existsSync(join(dir.path, 'medallion-egde'))).toBe(false)
  })

  it('a database written by a newer release', async () => {
    const data = join(dir.path, 'newer-data')
    const file = config('newer', data)
    expect((await runCli(['devices', 'add', 'd1', '--config', file])).code).toBe(0)
    const db = new Database(join(data, 'gateway.db'))
    db.pragma('user_version = 99')
    db.close()
    expectOneLine(
      await runCli(['run', '--config', file]),
      /main schema version 99 is newer than this program knows .*run the newer medallion-edge or restore a backup/,
    )
  })

  it("a second daemon on the same data directory: refused, naming the first one's pid", async () => {
    const file = config('second', join(dir.path, 'second-data'))
    const first = await startDaemon(file)
    try {
      expectOneLine(
        await runCli(['run', '--config', file]),
        new RegExp(`data directory .*second-data is in use by another medallion-edge \\(pid ${first.child.pid}\\): one daemon per data directory`),
      )
    } finally {
      first.child.kill('SIGKILL')
      await first.exited
    }
    // The lock goes with the process, also after kill -9: the next daemon starts.
    const again = await startDaemon(file)
    again.child.kill('SIGTERM')
    expect((await again.exited).code).toBe(0)
  })

  it('simulate with no broker, and a pull from a gateway that is not there: the reason in words', async () => {
    const file = config('nothing', join(dir.path, 'nothing-data'))
    expectOneLine(
      await runCli(['simulate', '--port', '45678', '--duration', '1', '--config', file]),
      /cannot connect to the broker at mqtt:\/\/127\.0\.0\.1:45678: connection refused \(nothing listens there/,
    )
    const pulled = await runCli(['pull', '--from', 'http://127.0.0.1:45678', '--token', 'central-token-0123456789', '--into', join(dir.path, 'lake')])
    expect(pulled.code).toBe(1)
    expect(pulled.stdout).toMatch(/http:\/\/127\.0\.0\.1:45678: FAILED: GET .*: connection refused/)
    expect(pulled.stderr).not.toMatch(/\n\s+at /)
  })

  it('status tells running, stopped cleanly and crashed apart by the lock and the pid (not by a port), exits 3 unless it runs', async () => {
    const file = config('status', join(dir.path, 'status-data'))
    const never = await runCli(['status', '--config', file])
    expect(never.code).toBe(3)
    expect(never.stdout).toMatch(/^daemon {3}not running: no daemon has run on this data directory yet$/m)

    const daemon = await startDaemon(file)
    // The config's port is not the daemon's (a reload that changed it, or another program on it): running all the same.
    const up = await runCli(['status', '--config', file], { MEDALLION_EDGE_MQTT_PORT: '1' })
    expect(up.code, up.stdout).toBe(0)
    expect(up.stdout).toMatch(new RegExp(`^daemon {3}running \\(pid ${daemon.child.pid}, since \\d{4}-`, 'm'))
    daemon.child.kill('SIGTERM')
    expect((await daemon.exited).code).toBe(0)
    expect(existsSync(join(dir.path, 'status-data', 'daemon.pid'))).toBe(false)
    const stopped = await runCli(['status', '--json', '--config', file])
    expect(stopped.code).toBe(3)
    expect(JSON.parse(stopped.stdout).daemon).toMatchObject({ running: false, state: 'stopped', pid: daemon.child.pid, stoppedAt: expect.any(String) })

    // Another program on the daemon's port is not a daemon.
    const squatter = createServer().listen(0, '127.0.0.1')
    await once(squatter, 'listening')
    const port = String((squatter.address() as { port: number }).port)
    expect((await runCli(['status', '--config', file], { MEDALLION_EDGE_MQTT_PORT: port })).code).toBe(3)
    squatter.close()

    const killed = await startDaemon(file)
    killed.child.kill('SIGKILL')
    await killed.exited
    const crashed = await runCli(['status', '--config', file])
    expect(crashed.code).toBe(3)
    expect(crashed.stdout).toMatch(
      new RegExp(
        `^daemon {3}not running: it did not stop cleanly \\(crashed, killed, or the power went; pid ${killed.child.pid}, started \\d{4}-.*, files last written \\d{4}-`,
        'm',
      ),
    )
  })

  it('--version, and --debug (or MEDALLION_EDGE_DEBUG=1) shows the stack an operator would send in a bug report', async () => {
    const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }
    expect(await runCli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` })
    const file = join(dir.path, 'a-file')
    const debug = await runCli(['--debug', 'run', '--config', config('debug', file)])
    expect(debug.code).toBe(1)
    expect(debug.stderr).toMatch(/is a file, not a directory\n\s+at /)
    expect((await runCli(['run', '--config', config('debug-env', file)], { MEDALLION_EDGE_DEBUG: '1' })).stderr).toMatch(/\n\s+at /)
  })

  it('commands started at once on a new data directory (a provisioning script): each creates its schema step once, none fails', async () => {
    for (let round = 0; round < 3; round++) {
      const file = config(`concurrent-${round}`, join(dir.path, `concurrent-${round}`, 'data'))
      const ids = Array.from({ length: 8 }, (_, i) => `till-${i}`)
      const results = await Promise.all(ids.map((id) => runCli(['devices', 'add', id, '--json', '--config', file])))
      for (const result of results) expect(result.code, result.stderr).toBe(0)
      const listed = await runCli(['devices', 'list', '--json', '--config', file])
      expect((JSON.parse(listed.stdout) as { device_id: string }[]).map((device) => device.device_id).sort()).toEqual(ids)
    }
  })
})
