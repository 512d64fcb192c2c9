import { createServer } from 'node:net'
import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium (apt-get install chromium; `npm test` installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * Headless Chromium as the issue and this machine want it: no sandbox (root in CI), no GPU, and
 * none of Chromium's own background traffic (this network is closed; it would only be noise).
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  })
}

/** A TCP port free right now on 127.0.0.1, for a daemon that must come back on the same port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
