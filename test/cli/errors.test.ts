import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const dir = makeTempDir()
afterAll(() => dir.remove())

/** One line on stderr, naming what is wrong, and the exit code: 2 for a bad command line, 1 otherwise. */
function expectOneLineError(result: { code: number; stdout: string; stderr: string }, pattern: RegExp, code: 1 | 2): void {
  expect(result.code).toBe(code)
  expect(result.stderr.trim().split('\n')).toHaveLength(1)
  expect(result.stderr).toMatch(pattern)
}

describe('a bad command line or config is one clear line and a non-zero exit', () => {
  it('run with an unknown config key', async () => {
    const file = join(dir.path, 'bad.json')
    writeFileSync(file, JSON.stringify({ mqtt: { port: 1883, allowAnonymus: true } }))
    expectOneLineError(await runCli(['run', '--config', file]), /^medallion-edge: config .*bad\.json: mqtt\.allowAnonymus: unknown key$/m, 1)
  })

  it('run with a bad value', async () => {
    const file = join(dir.path, 'bad-value.json')
    writeFileSync(file, JSON.stringify({ mqtt: { port: 'eighteen' } }))
    expectOneLineError(await runCli(['run', '--config', file]), /mqtt\.port: .*number/, 1)
  })

  it('run with a config file that does not exist', async () => {
    expectOneLineError(await runCli(['run', '--config', join(dir.path, 'nope.json')]), /nope\.json: cannot read/, 1)
  })

  it('an unknown command', async () => {
    expectOneLineError(await runCli(['serve']), /unknown command 'serve'/, 2)
  })

  it("help lists every command (each command's module is loaded only when named), and a command's help is its own", async () => {
    const COMMANDS = ['run', 'devices', 'dims', 'inventory', 'silver', 'gold', 'snapshot', 'pull', 'retention', 'backup', 'restore', 'simulate', 'status']
    for (const args of [['--help'], ['--help', 'run'], ['help']]) {
      const help = await runCli(args)
      const listed = [...help.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1])
      expect([args, listed.filter((name) => name !== 'help')]).toEqual([args, COMMANDS])
    }
    const runHelp = await runCli(['run', '--help'])
    expect([runHelp.code, runHelp.stdout]).toEqual([0, expect.stringMatching(/^Usage: medallion-edge run \[options\]/)])
  })

  it('an unknown option', async () => {
    expectOneLineError(await runCli(['run', '--verbose']), /unknown option '--verbose'/, 2)
  })

  it('a bad option value', async () => {
    expectOneLineError(await runCli(['simulate', '--rate', 'fast']), /--rate .*'fast' is invalid/, 2)
  })

  it('a port in use', async () => {
    const net = await import('node:net')
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as import('node:net').AddressInfo).port
    const file = join(dir.path, 'busy.json')
    writeFileSync(file, JSON.stringify({ dataDir: join(dir.path, 'data'), mqtt: { host: '127.0.0.1', port }, log: { level: 'silent' } }))
    const result = await runCli(['run', '--config', file])
    blocker.close()
    expectOneLineError(result, new RegExp(`mqtt listener on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`), 1)
  })
})
