import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { readTlsCredentials } from '../../src/util/tls-credentials.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const INSTALL = fileURLToPath(new URL('../../scripts/install.sh', import.meta.url))

function sh(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', [INSTALL, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

describe('scripts/install.sh into a temporary root: install, upgrade, dry run, uninstall', () => {
  const root = makeTempDir('medallion-root-')
  afterAll(() => root.remove())
  const at = (path: string): string => join(root.path, path)

  it('installs the program with its runtime dependencies, the command on PATH, a config with generated tokens, the unit', async () => {
    const result = await sh(['--root', root.path, '--no-build', '--node', process.execPath])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/installing \d+\.\d+\.\d+ in /)
    const tokens = /central \(pull, snapshots, gold tables\): (\S+)\n\s+admin\s+\(everything\):\s+(\S+)/.exec(result.stdout)
    expect(tokens, result.stdout).not.toBeNull()
    const config = JSON.parse(readFileSync(at('etc/medallion-edge/config.json'), 'utf8'))
    expect(config).toMatchObject({
      dataDir: '/var/lib/medallion-edge',
      mqtt: { allowAnonymous: false },
      http: { tokens: { central: tokens![1], admin: tokens![2] } },
    })
    expect(config.http.tokens.staff).toBeUndefined()
    expect(config.$comment).toBeUndefined()
    // Runtime dependencies only: the daemon's are there, the test tools are not.
    expect(existsSync(at('opt/medallion-edge/node_modules/better-sqlite3'))).toBe(true)
    expect(existsSync(at('opt/medallion-edge/node_modules/vitest'))).toBe(false)
    expect(existsSync(at('opt/medallion-edge/dist/http/dashboard/assets.json'))).toBe(true)
    // The unit and the command run the Node.js the installer checked, by its full path (not /usr/bin/node).
    expect(readFileSync(at('etc/systemd/system/medallion-edge.service'), 'utf8')).toContain(
      `ExecStart=${process.execPath} /opt/medallion-edge/dist/cli/main.js run --config /etc/medallion-edge/config.json`,
    )
    const command = readFileSync(at('usr/local/bin/medallion-edge'), 'utf8')
    expect(command).toContain(`exec ${process.execPath} /opt/medallion-edge/dist/cli/main.js`)
    expect(result.stdout).toContain(
      `done: ${JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')).version} on Node.js ${process.versions.node}`,
    )
    // The installed program runs (its pruned dependencies load): its version, and a command on a config of the test's.
    const version = await run('node', [at('opt/medallion-edge/dist/cli/main.js'), '--version'])
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')).version)
    mkdirSync(at('tmp'), { recursive: true })
    writeFileSync(
      at('tmp/c.json'),
      JSON.stringify({ dataDir: at('var/lib/medallion-edge'), mqtt: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 } }),
    )
    const status = await run('node', [at('opt/medallion-edge/dist/cli/main.js'), 'devices', 'add', 'till-1', '--json', '--config', at('tmp/c.json')])
    expect(status.code, status.stderr).toBe(0)
  })

  it('a second run upgrades: the program replaced, config (tokens) and data kept', async () => {
    const before = readFileSync(at('etc/medallion-edge/config.json'), 'utf8')
    const result = await sh(['--root', root.path, '--no-build', '--node', process.execPath])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/upgrading \S+ to \S+ in .*\(config and data kept\)/)
    expect(result.stdout).toContain('kept /etc/medallion-edge/config.json')
    expect(result.stdout).not.toMatch(/HTTP tokens/)
    expect(readFileSync(at('etc/medallion-edge/config.json'), 'utf8')).toBe(before)
    expect(existsSync(at('var/lib/medallion-edge/gateway.db'))).toBe(true)
    expect(existsSync(at('opt/medallion-edge.new')) || existsSync(at('opt/medallion-edge.old'))).toBe(false)
  })

  it('--dry-run says what it would do and changes nothing', async () => {
    const other = makeTempDir('medallion-dry-')
    try {
      const result = await sh(['--root', other.path, '--no-build', '--dry-run', '--node', process.execPath])
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toMatch(/would: cp -R /)
      expect(result.stdout).toMatch(/would write .*etc\/medallion-edge\/config\.json/)
      // It says what it would do, never that it did it.
      expect(result.stdout).not.toMatch(/the unit is in place|done/)
      expect(result.stdout.trim().split('\n').at(-1)).toBe(
        `install.sh: dry run: nothing was changed; without --dry-run this installs ${JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')).version} to run on Node.js ${process.versions.node} (${process.execPath})`,
      )
      expect(existsSync(join(other.path, 'opt'))).toBe(false)
      expect(existsSync(join(other.path, 'etc'))).toBe(false)
    } finally {
      other.remove()
    }
  })

  it('--tls-self-signed makes a key and a certificate for this host that the daemon serves, once; an existing config gets http.tls', async () => {
    const other = makeTempDir('medallion-tls-root-')
    try {
      const installed = await sh(['--root', other.path, '--no-build', '--node', process.execPath, '--tls-self-signed'])
      expect(installed.code, installed.stderr).toBe(0)
      const certFile = join(other.path, 'etc/medallion-edge/tls/cert.pem')
      const keyFile = join(other.path, 'etc/medallion-edge/tls/key.pem')
      const config = JSON.parse(readFileSync(join(other.path, 'etc/medallion-edge/config.json'), 'utf8'))
      expect(config.http.tls).toEqual({ certFile: '/etc/medallion-edge/tls/cert.pem', keyFile: '/etc/medallion-edge/tls/key.pem' })
      expect(statSync(keyFile).mode & 0o777).toBe(0o640)
      // A pair the daemon's own check accepts, for this host's name and the loopback address.
      const credentials = readTlsCredentials({ certFile, keyFile }, 'http.tls')
      const certificate = new X509Certificate(readFileSync(certFile))
      expect(certificate.subjectAltName).toContain(`DNS:${hostname()}`)
      expect(certificate.subjectAltName).toContain('IP Address:127.0.0.1')
      expect(certificate.ca).toBe(false)
      expect(credentials.subject).toContain(`CN=${hostname()}`)
      expect(installed.stdout).toContain(`SHA-256 fingerprint ${certificate.fingerprint256}`)

      // Again: the certificate is kept (devices trust it); a config without http.tls gets it.
      const before = readFileSync(certFile, 'utf8')
      delete config.http.tls
      writeFileSync(join(other.path, 'etc/medallion-edge/config.json'), JSON.stringify(config))
      const again = await sh(['--root', other.path, '--no-build', '--node', process.execPath, '--tls-self-signed'])
      expect(again.code, again.stderr).toBe(0)
      expect(again.stdout).toContain('kept /etc/medallion-edge/tls/cert.pem and key.pem')
      expect(again.stdout).toContain('added http.tls (the self-signed certificate) to /etc/medallion-edge/config.json')
      expect(readFileSync(certFile, 'utf8')).toBe(before)
      expect(JSON.parse(readFileSync(join(other.path, 'etc/medallion-edge/config.json'), 'utf8')).http).toMatchObject({
        tls: { certFile: '/etc/medallion-edge/tls/cert.pem' },
        tokens: config.http.tokens,
      })
    } finally {
      other.remove()
    }
  })

  it('refuses a Node.js that is not 22 or 24 in one line naming what it found and what it needs', async () => {
    const other = makeTempDir('medallion-old-node-')
    try {
      // A node that answers as 20 does (the check asks process.versions.node).
      const oldNode = join(other.path, 'node')
      writeFileSync(oldNode, '#!/bin/sh\necho 20.20.2\n', { mode: 0o755 })
      const result = await sh(['--root', other.path, '--no-build', '--node', oldNode])
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        `install.sh: found Node.js 20.20.2 (${oldNode}); medallion-edge needs Node.js 22 or 24 (the LTS lines it is tested on): install one, or give --node PATH\n`,
      )
      expect(existsSync(join(other.path, 'opt'))).toBe(false)
      // A supported version that cannot load the checkout's native modules (built for another Node).
      const otherNode = join(other.path, 'node22')
      writeFileSync(otherNode, '#!/bin/sh\n[ "$1" = -p ] && echo 22.23.5 && exit 0\nexit 1\n', { mode: 0o755 })
      const mismatch = await sh(['--root', other.path, '--no-build', '--node', otherNode])
      expect(mismatch.code).toBe(1)
      expect(mismatch.stderr).toBe(
        `install.sh: the checkout's native modules do not load in Node.js 22.23.5 (${otherNode}), they were built for another: run npm rebuild with it first, or install without --no-build\n`,
      )
      expect(existsSync(join(other.path, 'opt'))).toBe(false)
    } finally {
      other.remove()
    }
  })

  it('--uninstall keeps config and data; --purge removes them too; a bad option is one line and exit 2', async () => {
    const dryKept = await sh(['--root', root.path, '--uninstall', '--dry-run'])
    expect(dryKept.stdout.trim().split('\n').at(-1)).toBe(
      'install.sh: dry run: nothing was changed; this would uninstall and keep /etc/medallion-edge (config) and /var/lib/medallion-edge (data)',
    )
    const dryPurged = await sh(['--root', root.path, '--uninstall', '--purge', '--dry-run'])
    expect(dryPurged.stdout.trim().split('\n').at(-1)).toBe(
      'install.sh: dry run: nothing was changed; this would uninstall and remove the config, the data and the user',
    )
    expect(existsSync(at('opt/medallion-edge'))).toBe(true)
    const kept = await sh(['--root', root.path, '--uninstall'])
    expect(kept.code, kept.stderr).toBe(0)
    expect(kept.stdout).toMatch(/kept \/etc\/medallion-edge \(config\) and \/var\/lib\/medallion-edge \(data\)/)
    expect(existsSync(at('opt/medallion-edge'))).toBe(false)
    expect(existsSync(at('usr/local/bin/medallion-edge'))).toBe(false)
    expect(existsSync(at('etc/systemd/system/medallion-edge.service'))).toBe(false)
    expect(existsSync(at('etc/medallion-edge/config.json'))).toBe(true)
    expect(existsSync(at('var/lib/medallion-edge/gateway.db'))).toBe(true)
    const purged = await sh(['--root', root.path, '--uninstall', '--purge'])
    expect(purged.code, purged.stderr).toBe(0)
    expect(existsSync(at('etc/medallion-edge'))).toBe(false)
    expect(existsSync(at('var/lib/medallion-edge'))).toBe(false)
    const bad = await sh(['--root', root.path, '--frobnicate'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^install\.sh: unknown option --frobnicate\nusage: /)
  })
})
