import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Totals } from '../../src/gold/gold-reader.js'
import { buildApp } from '../../src/http/app.js'
import { RoleCheck } from '../../src/http/roles.js'
import { appDeps } from '../helpers/app-deps.js'
import { startDaemon, stopDaemon, writeDaemonConfig, type DaemonProcess } from '../helpers/daemon.js'
import { EventReader } from '../helpers/sse.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const ADMIN = 'admin-token-stays-0123456'
const OLD_STAFF = 'staff-token-before-0123'
const NEW_STAFF = 'staff-token-after-45678'
const CENTRAL = 'central-token-0123456789'

/**
 * Issue 20, item 3: after `http.tokens.staff` changed and SIGHUP, a stream opened with the old
 * token kept receiving `day` and `health` events. A reload now ends, at once, every stream whose
 * Authorization no longer passes; the others keep going.
 */
describe('the live stream after a token change and SIGHUP', () => {
  const work = makeTempDir()
  let daemon: DaemonProcess
  let configFile: string
  const opened: AbortController[] = []

  const writeTokens = (tokens: Record<string, string>): void => {
    writeFileSync(
      configFile,
      JSON.stringify({
        dataDir: join(work.path, 'data'),
        log: { level: 'info' },
        mqtt: { host: '127.0.0.1', port: 0, allowAnonymous: false },
        http: { host: '127.0.0.1', port: 0, tokens },
      }),
    )
  }
  const reloadLogs = (): number => daemon.logs.filter((entry) => String(entry.msg).startsWith('config reload')).length
  /** Sends SIGHUP and waits until the daemon logged that it reloaded. */
  const hangUp = async (): Promise<void> => {
    const before = reloadLogs()
    daemon.child.kill('SIGHUP')
    await vi.waitUntil(() => reloadLogs() > before, { timeout: 30_000, interval: 50 })
  }
  const openStream = async (token?: string): Promise<EventReader> => {
    const controller = new AbortController()
    opened.push(controller)
    const response = await fetch(`http://127.0.0.1:${daemon.httpPort}/api/v1/events`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: controller.signal,
    })
    expect(response.status).toBe(200)
    const body = Readable.fromWeb(response.body! as WebReadableStream<Uint8Array>)
    body.on('error', () => {}) // aborted at the end of the test
    return new EventReader(body)
  }
  /** Ends within a generous bound (a loaded CI machine), not the next tick's 5 s. */
  const waitForEnd = (reader: EventReader): Promise<true> => vi.waitUntil(() => reader.ended, { timeout: 30_000, interval: 20 })

  beforeAll(async () => {
    configFile = writeDaemonConfig(work.path, join(work.path, 'data'))
    writeTokens({ admin: ADMIN })
    daemon = await startDaemon(configFile)
  })
  afterAll(async () => {
    for (const controller of opened) controller.abort()
    await stopDaemon(daemon)
    work.remove()
  })

  it('a stream opened without a token while staff was open ends when a staff token is set; an admin stream keeps going', async () => {
    const anonymous = await openStream()
    const admin = await openStream(ADMIN)
    await anonymous.next('health')
    await admin.next('health')
    // Health is pushed every 5 s to every stream at once: just after one, the next is seconds away,
    // so anything that reaches the page after the reload was written after it.
    anonymous.drain()
    writeTokens({ admin: ADMIN, staff: OLD_STAFF })
    await hangUp()
    expect(await waitForEnd(anonymous)).toBe(true)
    expect(anonymous.drain()).toEqual([])
    admin.drain()
    expect((await admin.next('health')).event).toBe('health')
    expect(admin.ended).toBe(false)
  })

  it('a stream opened with the old staff token ends at the reload that changes it, before any further event; one with the new token is served', async () => {
    const staff = await openStream(OLD_STAFF)
    const admin = await openStream(ADMIN)
    await staff.next('health')
    staff.drain()
    writeTokens({ admin: ADMIN, staff: NEW_STAFF })
    await hangUp()
    expect(await waitForEnd(staff)).toBe(true)
    expect(staff.drain()).toEqual([])

    const renewed = await openStream(NEW_STAFF)
    expect((await renewed.next('day')).event).toBe('day')
    admin.drain()
    expect((await admin.next('health')).event).toBe('health')
    expect(admin.ended).toBe(false)
    expect((await fetch(`http://127.0.0.1:${daemon.httpPort}/api/v1/events`, { headers: { authorization: `Bearer ${OLD_STAFF}` } })).status).toBe(401)
  })

  it('a reload that keeps the tokens ends no stream', async () => {
    const staff = await openStream(NEW_STAFF)
    await staff.next('health')
    await hangUp()
    staff.drain()
    expect((await staff.next('health')).event).toBe('health')
    expect(staff.ended).toBe(false)
  })
})

describe('the live hub re-checks its streams when the tokens change (in process)', () => {
  const totals = { date: '2025-05-01', total_amount: 1 } as Totals
  const deps = (roles: RoleCheck): ReturnType<typeof appDeps> =>
    appDeps(() => undefined as never, {
      roles,
      timeZoneOf: () => 'UTC',
      now: () => Date.parse('2025-05-01T12:00:00Z'),
      day: () => ({ totals, top_products: [] }),
      lastRefreshSeq: () => 0,
      refreshedSince: (seq) => ({ seq, days: [] }),
      live: { pollMs: 60_000, healthMs: 60_000, pingMs: 60_000 },
    })

  it('ends at once the streams the new tokens refuse, whatever their store; the others stay, and a new stream of the same store is served', async () => {
    const roles = new RoleCheck({ central: CENTRAL })
    const app = buildApp(deps(roles))
    const open = async (url: string, token?: string): Promise<EventReader> => {
      const response = await app.inject({ url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, payloadAsStream: true })
      expect(response.statusCode).toBe(200)
      const reader = new EventReader(response.stream())
      await reader.next('health')
      return reader
    }
    try {
      const anonymous = await open('/api/v1/events')
      const otherStore = await open('/api/v1/events?store_id=store_002')
      const central = await open('/api/v1/events', CENTRAL)
      roles.update({ central: CENTRAL, staff: NEW_STAFF })
      await vi.waitUntil(() => anonymous.ended && otherStore.ended, { timeout: 30_000, interval: 10 })
      expect(central.ended).toBe(false)

      // The central token removed: its stream ends too; a staff stream opens on the store whose
      // last stream just left.
      roles.update({ staff: NEW_STAFF })
      await vi.waitUntil(() => central.ended, { timeout: 30_000, interval: 10 })
      const staff = await open('/api/v1/events', NEW_STAFF)
      const metrics = (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${NEW_STAFF}` } })).body
      expect(metrics).toMatch(/^medallion_live_streams 1$/m)
      expect(staff.ended).toBe(false)
    } finally {
      await app.close()
    }
  })
})
