import { execFile, execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { startGateway } from '../helpers/running-gateway.js'
import { startDaemon, writeDaemonConfig } from '../helpers/daemon.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const UNIT = fileURLToPath(new URL('../../systemd/medallion-edge.service', import.meta.url))
const hasSystemdAnalyze = (() => {
  try {
    execFileSync('systemd-analyze', ['--version'])
    return true
  } catch {
    return false
  }
})()

interface DgramSocket {
  bind(path: string): void
  on(event: 'message', listener: (message: Buffer) => void): void
  close(): void
}

describe("systemd: the unit as systemd-analyze sees it, and the daemon's sd_notify", () => {
  const dir = makeTempDir()
  afterAll(() => dir.remove())

  it.skipIf(!hasSystemdAnalyze)('systemd-analyze verify prints nothing; security exposure is at most 2.0', async () => {
    const verify = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile('systemd-analyze', ['verify', UNIT], (_error, stdout, stderr) => resolve({ stdout, stderr })),
    )
    expect(verify).toEqual({ stdout: '', stderr: '' })
    const security = execFileSync('systemd-analyze', ['security', '--offline=yes', UNIT], { encoding: 'utf8' })
    const exposure = Number(/Overall exposure level for medallion-edge\.service: ([\d.]+)/.exec(security)?.[1])
    expect(exposure).toBeLessThanOrEqual(2.0)
  })

  it("the daemon says READY=1 when it serves, feeds WATCHDOG=1, and says STOPPING=1 on SIGTERM (a notify socket of the test's own)", async () => {
    // The same native module the daemon uses receives on a Unix datagram socket, as systemd would.
    const unixDgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): DgramSocket }
    const socketPath = join(dir.path, 'notify.sock')
    const socket = unixDgram.createSocket('unix_dgram')
    const received: string[] = []
    socket.on('message', (message) => received.push(message.toString()))
    socket.bind(socketPath)
    try {
      const configFile = writeDaemonConfig(dir.path, join(dir.path, 'data'))
      process.env.NOTIFY_SOCKET = socketPath
      process.env.WATCHDOG_USEC = '1000000' // a ping every 500 ms
      const daemon = await startDaemon(configFile)
      delete process.env.NOTIFY_SOCKET
      delete process.env.WATCHDOG_USEC
      const until = async (done: () => boolean): Promise<void> => {
        const deadline = Date.now() + 5000
        while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      await until(() => received.filter((message) => message === 'WATCHDOG=1').length >= 3)
      expect(received[0]).toMatch(/^READY=1\nSTATUS=serving: mqtt \d+, http \d+$/)
      expect(received.filter((message) => message === 'WATCHDOG=1').length).toBeGreaterThanOrEqual(3)
      daemon.child.kill('SIGTERM')
      expect((await daemon.exited).code).toBe(0)
      expect(received).toContain('STOPPING=1\nSTATUS=stopping: flushing pending commits')
    } finally {
      socket.close()
    }
  })

  it('the health check the watchdog pings depend on: a thread that does not answer is a problem', async () => {
    const gw = await startGateway()
    try {
      expect(await gw.gateway.problems(2000)).toEqual([])
      await gw.gateway.gold.stop() // as if the gold thread were gone
      expect(await gw.gateway.problems(500)).toEqual(['the gold thread did not answer within 500 ms'])
    } finally {
      await gw.stop()
    }
  })
})
