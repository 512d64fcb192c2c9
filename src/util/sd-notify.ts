import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import type { Logger } from 'pino'

interface UnixDgramSocket {
  send(buffer: Buffer, offset: number, length: number, path: string, callback?: (error?: Error) => void): void
  close(): void
  on(event: 'error', listener: (error: Error) => void): void
}

/**
 * systemd's notification protocol (sd_notify(3)): READY=1 once the daemon serves, WATCHDOG=1
 * while it is healthy, STOPPING=1 when it drains, STATUS= for `systemctl status`. The datagram
 * goes to $NOTIFY_SOCKET through unix-dgram (an optional native module: Node has no Unix
 * datagram sockets); where it is not built, through `systemd-notify`, which needs
 * NotifyAccess=all in the unit (the shipped one has it). Outside systemd, nothing is sent.
 */
export class SystemdNotifier {
  private socket: UnixDgramSocket | undefined

  private constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {
    try {
      const unixDgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): UnixDgramSocket }
      this.socket = unixDgram.createSocket('unix_dgram')
      this.socket.on('error', (error) => this.logger.warn({ err: error.message }, 'sd_notify failed'))
    } catch {
      this.logger.info('unix-dgram is not built here: telling systemd through systemd-notify')
    }
  }

  /** The notifier of this process, or undefined when systemd did not ask for one. */
  static fromEnvironment(env: NodeJS.ProcessEnv, logger: Logger): SystemdNotifier | undefined {
    const path = env.NOTIFY_SOCKET
    return path ? new SystemdNotifier(path, logger) : undefined
  }

  /** How often systemd wants WATCHDOG=1 (WATCHDOG_USEC, for this process), or undefined. */
  static watchdogIntervalMs(env: NodeJS.ProcessEnv): number | undefined {
    const usec = Number(env.WATCHDOG_USEC)
    if (!Number.isFinite(usec) || usec <= 0) return undefined
    if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== process.pid) return undefined
    return usec / 1000
  }

  notify(state: Record<string, string>): void {
    const text = Object.entries(state)
      .map(([key, value]) => `${key}=${value.replace(/\n/g, ' ')}`)
      .join('\n')
    if (this.socket) {
      const buffer = Buffer.from(text)
      // An abstract socket (@name) is the name after a NUL byte.
      this.socket.send(buffer, 0, buffer.length, this.path.startsWith('@') ? `\0${this.path.slice(1)}` : this.path)
      return
    }
    execFile('systemd-notify', [`--pid=${process.pid}`, ...text.split('\n')], (error) => {
      if (error) this.logger.warn({ err: error.message }, 'systemd-notify failed')
    })
  }

  close(): void {
    this.socket?.close()
  }
}
