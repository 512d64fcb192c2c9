import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { configChanges } from '../../src/config/config-changes.js'
import { loadConfig } from '../../src/config/load.js'
import { MedallionError } from '../../src/errors.js'
import { runCli } from '../helpers/cli.js'
import { startDaemon, stopDaemon, writeDaemonConfig } from '../helpers/daemon.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const dir = makeTempDir()
afterAll(() => dir.remove())

function configFile(name: string, content: Record<string, unknown>): string {
  const file = join(dir.path, name)
  writeFileSync(file, JSON.stringify(content))
  return file
}

const load = (name: string, content: Record<string, unknown>): ReturnType<typeof loadConfig> => loadConfig(configFile(name, content), {}, '/x')

describe('storage.synchronous, formerly bronze.synchronous', () => {
  it('is read under its new name, without a warning', () => {
    const { config, warnings } = load('new.json', { storage: { synchronous: 'NORMAL' } })
    expect(config.storage.synchronous).toBe('NORMAL')
    expect(config.storage.reserveMiB).toBe(64)
    expect(config.bronze).not.toHaveProperty('synchronous')
    expect(warnings).toEqual([])
  })

  it('is read under its old name: the same config as the new name, and one warning naming both', () => {
    const old = load('old.json', { bronze: { synchronous: 'NORMAL', maxGroupMessages: 100 } })
    const renamed = load('renamed.json', { bronze: { maxGroupMessages: 100 }, storage: { synchronous: 'NORMAL' } })
    expect(old.config).toEqual(renamed.config)
    expect(old.config.bronze).not.toHaveProperty('synchronous')
    expect(old.warnings).toEqual([
      `config ${old.source}: bronze.synchronous is deprecated, renamed storage.synchronous (it applies to every database file, not only bronze): move the value there`,
    ])
  })

  it('keeps the rest of the storage section when the old name is used', () => {
    const { config, warnings } = load('old-and-reserve.json', { bronze: { synchronous: 'NORMAL' }, storage: { reserveMiB: 128 } })
    expect(config.storage).toEqual({ synchronous: 'NORMAL', reserveMiB: 128 })
    expect(warnings).toHaveLength(1)
  })

  it('under both names with the same value: accepted, with the warning', () => {
    const { config, warnings } = load('both-same.json', { bronze: { synchronous: 'FULL' }, storage: { synchronous: 'FULL' } })
    expect(config.storage.synchronous).toBe('FULL')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/bronze\.synchronous is deprecated, renamed storage\.synchronous/)
  })

  it('under both names with different values: one config error naming both', () => {
    const file = configFile('both-different.json', { bronze: { synchronous: 'NORMAL' }, storage: { synchronous: 'FULL' } })
    let error: unknown
    try {
      loadConfig(file, {})
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(MedallionError)
    expect((error as MedallionError).code).toBe('CONFIG_INVALID')
    expect((error as MedallionError).message).toBe(
      `config ${file}: bronze.synchronous ("NORMAL") and storage.synchronous ("FULL") disagree: bronze.synchronous is the old name of storage.synchronous; keep storage.synchronous only`,
    )
  })

  it('a bad value is named as the file wrote it, and by its new name', () => {
    expect(() => load('old-bad.json', { bronze: { synchronous: 'OFF' } })).toThrow(/: bronze\.synchronous \(renamed storage\.synchronous\): Invalid option/)
    expect(() => load('new-bad.json', { storage: { synchronous: 'OFF' } })).toThrow(/: storage\.synchronous: Invalid option/)
  })

  it('a reload from the old name to the new one with the same value changes nothing; another value waits for a restart', () => {
    const running = load('running.json', { bronze: { synchronous: 'NORMAL' } }).config
    expect(configChanges(running, load('moved.json', { storage: { synchronous: 'NORMAL' } }).config)).toMatchObject({ applied: [], needRestart: [] })
    const changed = configChanges(running, load('full.json', { storage: { synchronous: 'FULL' } }).config)
    expect(changed).toMatchObject({ applied: [], needRestart: ['storage.synchronous'] })
    expect(changed.next.storage.synchronous).toBe('NORMAL')
  })
})

describe('the old name from the command line', () => {
  it('a command prints the warning on stderr and goes on', async () => {
    mkdirSync(join(dir.path, 'cli'))
    const file = writeDaemonConfig(join(dir.path, 'cli'), join(dir.path, 'cli', 'data'), { bronze: { synchronous: 'NORMAL' } })
    const listed = await runCli(['devices', 'list', '--config', file])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stderr).toBe(
      `medallion-edge: warning: config ${file}: bronze.synchronous is deprecated, renamed storage.synchronous (it applies to every database file, not only bronze): move the value there\n`,
    )
  })

  it('the daemon logs it once, at warn level', async () => {
    mkdirSync(join(dir.path, 'daemon'))
    const file = writeDaemonConfig(join(dir.path, 'daemon'), join(dir.path, 'daemon', 'data'), { bronze: { synchronous: 'NORMAL' } })
    const daemon = await startDaemon(file)
    try {
      const warnings = daemon.logs.filter((entry) => String(entry.msg).includes('bronze.synchronous'))
      expect(warnings).toEqual([
        expect.objectContaining({
          level: 40,
          msg: `config ${file}: bronze.synchronous is deprecated, renamed storage.synchronous (it applies to every database file, not only bronze): move the value there`,
        }),
      ])
    } finally {
      await stopDaemon(daemon)
    }
  })
})
