import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MqttClient } from 'mqtt'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { expect } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import type { Totals } from '../../src/gold/gold-reader.js'
import { freePort } from './browser.js'
import { runCli } from './cli.js'
import { startDaemon, writeDaemonConfig, type DaemonProcess } from './daemon.js'
import { connectDevice, seedSale, topicOf } from './sales.js'
import { makeTempDir } from './temp-dir.js'

/** Screenshots for people to look at (git-ignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))
const EXAMPLES = fileURLToPath(new URL('../../examples/dims/', import.meta.url))

/** The screens a shop has: a till-side screen, a tablet, a phone and the back office's desktop. */
export const SCREENS = {
  till: { width: 1024, height: 600 },
  tablet: { width: 768, height: 1024 },
  phone: { width: 390, height: 844 },
  desktop: { width: 1440, height: 900 },
} as const
export type ScreenName = keyof typeof SCREENS

/** One daemon as an operator runs it (built CLI, its own data dir, fixed ports so that it can come back). */
export class StoreGateway {
  readonly dir = makeTempDir()
  daemon: DaemonProcess | undefined
  device: IssuedDevice | undefined
  client: MqttClient | undefined
  configFile = ''
  base = ''
  private config: Record<string, unknown> = {}

  async start(tokens: Record<string, string> = {}, extra: Record<string, unknown> = {}): Promise<void> {
    const [httpPort, mqttPort] = [await freePort(), await freePort()]
    this.base = `http://127.0.0.1:${httpPort}`
    this.config = {
      timezone: 'America/New_York',
      mqtt: { host: '127.0.0.1', port: mqttPort, allowAnonymous: false },
      http: { host: '127.0.0.1', port: httpPort, tokens },
      ...extra,
    }
    this.configFile = writeDaemonConfig(this.dir.path, join(this.dir.path, 'data'), this.config)
    for (const dimension of ['product', 'customer', 'store']) {
      expect((await runCli(['dims', 'import', dimension, join(EXAMPLES, `${dimension}.csv`), '--config', this.configFile])).code).toBe(0)
    }
    this.device = await this.addDevice('till-1')
    await this.run()
  }

  async addDevice(deviceId: string, storeId = 'store_001'): Promise<IssuedDevice> {
    const added = await runCli(['devices', 'add', deviceId, '--store', storeId, '--json', '--config', this.configFile])
    const issued = JSON.parse(added.stdout) as { device_id: string; store_id: string; token: string }
    return { deviceId: issued.device_id, storeId: issued.store_id, token: issued.token, createdAt: '' }
  }

  async run(): Promise<void> {
    this.daemon = await startDaemon(this.configFile)
    this.client = await connectDevice(`mqtt://127.0.0.1:${this.daemon.mqttPort}`, this.device!)
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true)
    this.client = undefined
    if (this.daemon && this.daemon.child.exitCode === null) {
      this.daemon.child.kill('SIGTERM')
      await this.daemon.exited
    }
  }

  /** Changes the config's tokens and tells the running daemon (SIGHUP), as an operator rotates one. */
  reloadTokens(tokens: Record<string, string>): void {
    this.config = { ...this.config, http: { ...(this.config.http as object), tokens } }
    writeDaemonConfig(this.dir.path, join(this.dir.path, 'data'), this.config)
    this.daemon!.child.kill('SIGHUP')
  }

  /** Publishes sales at QoS 1 from till-1; resolves on the PUBACK (the sale is on disk). */
  async publish(sales: Record<string, unknown>[]): Promise<void> {
    for (const sale of sales) await this.client!.publishAsync(topicOf(this.device!), JSON.stringify({ ...sale, device_id: 'till-1' }), { qos: 1 })
  }

  async api<T = Record<string, unknown>>(path: string, token?: string): Promise<T> {
    const response = await fetch(`${this.base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    return (await response.json()) as T
  }

  /** Waits until gold's totals of a day reach a sales count (a second or two after the ack). */
  async totalsWith(salesCount: number, date?: string, token?: string): Promise<Totals> {
    const deadline = Date.now() + 30_000
    for (;;) {
      const totals = await this.api<Totals>(`/api/v1/totals${date ? `?date=${date}` : ''}`, token)
      if (totals.sales_count >= salesCount || Date.now() > deadline) return totals
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  remove(): void {
    this.dir.remove()
  }
}

/** A sale just now (today on the store's clock, unless its midnight passed in the last seconds). */
export function recentSale(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return seedSale({ timestamp: new Date(Date.now() - 2000).toISOString(), ...overrides })
}

export interface PageOptions {
  viewport?: { width: number; height: number }
  colorScheme?: 'light' | 'dark'
  /** Lifts the page's own policy (no inline script), for a test that injects axe-core. */
  bypassCSP?: boolean
  /** The browser's time zone (a kiosk in UTC); the machine's when unset. */
  timezoneId?: string
  /** Run in the page before its own scripts (a saved token, a fake clock). */
  initScript?: string
  /** Given the context before the page loads (routes, a clock). */
  prepare?: (context: BrowserContext) => Promise<void>
  /** The page's address on the gateway: `/` unless set (`/?date=2026-02-30`). */
  path?: string
}

/**
 * Opens the staff page in its own browser context; every request to anything but the gateway is
 * refused and written down in `outside`.
 */
export async function openStaffPage(
  browser: Browser,
  gateway: { base: string },
  outside: string[],
  options: PageOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? SCREENS.desktop,
    colorScheme: options.colorScheme ?? 'light',
    bypassCSP: options.bypassCSP ?? false,
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  })
  await context.route('**/*', (route) => {
    const url = route.request().url()
    if (url.startsWith(`${gateway.base}/`)) return route.fallback()
    outside.push(url)
    return route.abort()
  })
  if (options.initScript) await context.addInitScript(options.initScript)
  await options.prepare?.(context)
  const page = await context.newPage()
  await page.goto(`${gateway.base}${options.path ?? '/'}`)
  return { context, page }
}

/** The raw value the page shows in an element (its data-value). */
export const shown = (page: Page, id: string): Promise<string | null> => page.locator(`#${id}`).getAttribute('data-value')
