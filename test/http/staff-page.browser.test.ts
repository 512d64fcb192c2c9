import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { runCli } from '../helpers/cli.js'
import { connectDevice, seedSale } from '../helpers/sales.js'
import { ARTIFACTS, openStaffPage, recentSale, SCREENS, shown, StoreGateway } from '../helpers/staff-page.js'
import type { Totals } from '../../src/gold/gold-reader.js'
/** Deque's axe-core, the accessibility engine of Lighthouse and of the browsers' own tools. */
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url))
const STAFF = 'staff-token-for-the-shop-floor'
const ADMIN = 'admin-token-for-the-back-office'
const NEW_STAFF = 'staff-token-of-next-month-0001'
const usd = (amount: number): string => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(amount)

describe('the staff page in a real Chromium, against the daemon', () => {
  const store = new StoreGateway()
  const locked = new StoreGateway()
  let browser: Browser
  /** Requests the pages made to anything but their gateway (each was refused). */
  const outside: string[] = []

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    ;[browser] = await Promise.all([launchChromium(), store.start(), locked.start({ staff: STAFF, admin: ADMIN })])
    await store.publish([
      recentSale({ product_id: 101, price: 2.5, quantity: 2, order_id: 'o1' }),
      recentSale({ product_id: 106, price: 3.2, order_id: 'o1' }),
      recentSale({ product_id: 111, price: 12.99, customer_id: 1002 }),
      recentSale({ product_id: 115, price: 0.01, customer_id: null }),
      // Three days ago at noon in New York, and the same weekday a week ago.
      seedSale({ timestamp: new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10) + 'T16:00:00Z', product_id: 104, price: 42.42 }),
    ])
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await Promise.all([store.stop(), locked.stop()])
    store.remove()
    locked.remove()
  })

  function open(
    gateway: StoreGateway,
    viewport = { width: 1280, height: 900 },
    colorScheme: 'light' | 'dark' = 'light',
    bypassCSP = false,
  ): Promise<{ context: BrowserContext; page: Page }> {
    return openStaffPage(browser, gateway, outside, { viewport, colorScheme, bypassCSP })
  }

  it("shows today's totals as /api/v1/totals has them, to the cent; on a phone nothing scrolls sideways", async () => {
    const totals = await store.totalsWith(4)
    expect(totals.total_amount).toBe(21.2)
    for (const [viewport, scheme, name] of [
      [{ width: 1280, height: 900 }, 'light', 'desktop'],
      [{ width: 390, height: 844 }, 'dark', 'phone'],
    ] as const) {
      const { context, page } = await open(store, viewport, scheme)
      await expect.poll(() => shown(page, 'total-amount')).toBe(String(totals.total_amount))
      expect(await page.locator('#total-amount').textContent()).toBe(usd(totals.total_amount))
      expect(await shown(page, 'sales-count')).toBe(String(totals.sales_count))
      expect(await shown(page, 'order-count')).toBe(String(totals.order_count))
      expect(await page.locator('#avg-order').textContent()).toBe(usd(totals.avg_order_amount))
      expect(await page.locator('#by-category .amount').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-value'))))).toEqual(
        totals.by_category.map((row) => row.amount),
      )
      expect(await page.locator('#top-products li').count()).toBe(4)
      // A sale without a customer is said as such, not as a region called "Anonymous".
      expect(await page.locator('#by-region .name').allTextContents()).toContain('No customer given')
      // Today's current hour is marked as not over in the table.
      expect((await page.locator('#hourly-table tbody th').allTextContents()).at(-1)).toMatch(/, so far$/)
      expect(await page.locator('#connection').textContent()).toBe('Live')
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width)
      await page.screenshot({ path: join(ARTIFACTS, `staff-page-${name}.png`), fullPage: true })
      await context.close()
    }
  })

  it('a sale published over MQTT changes the open page within 5 s, without a reload', async () => {
    const { context, page } = await open(store)
    const before = await store.totalsWith(4)
    await expect.poll(() => shown(page, 'total-amount')).toBe(String(before.total_amount))
    await page.evaluate('window.sameDocument = true')
    await store.publish([recentSale({ product_id: 112, price: 7.77 })])
    const ackedAt = Date.now()
    await expect.poll(() => shown(page, 'total-amount'), { timeout: 30_000, interval: 50 }).toBe(String(Math.round((before.total_amount + 7.77) * 100) / 100))
    expect(Date.now() - ackedAt).toBeLessThan(5000)
    expect(await page.evaluate('window.sameDocument')).toBe(true)
    await context.close()
  })

  it('what a manager asks for: a comparison of their choice (kept by the browser), the basket size, sales and orders by till', async () => {
    const totals = await store.totalsWith(4)
    const { context, page } = await open(store)
    await expect.poll(() => shown(page, 'total-amount')).toBe(String(totals.total_amount))
    expect(await shown(page, 'basket')).toBe(String(Math.round((totals.units / totals.order_count) * 100) / 100))
    expect(await page.locator('#compare').inputValue()).toBe('last_week')
    expect(await shown(page, 'vs-last-week')).toBe(String(totals.compare.last_week.same_time_amount))
    await page.selectOption('#compare', 'yesterday')
    await expect
      .poll(() => page.locator('#legend-last').textContent())
      .toBe(
        new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' }).format(
          Date.parse(`${totals.compare.yesterday.dates[0]}T00:00:00Z`),
        ),
      )
    expect(await shown(page, 'vs-last-week')).toBe(String(totals.compare.yesterday.same_time_amount))
    await page.reload()
    await expect.poll(() => shown(page, 'total-amount')).not.toBeNull()
    expect(await page.locator('#compare').inputValue()).toBe('yesterday')
    await page.selectOption('#compare', 'four_weeks')
    await expect.poll(() => page.locator('#legend-last').textContent()).toMatch(/^Average of 4 \w+days$/)
    expect(await shown(page, 'vs-last-week')).toBe(String(totals.compare.four_weeks.same_time_amount))
    // By till: the devices table has each device's sales and orders today, as /api/v1/devices.
    const devices = await store.api<{ devices: { device_id: string; amount: number; order_count: number }[] }>('/api/v1/devices')
    const till = devices.devices.find((device) => device.device_id === 'till-1')!
    const row = page.locator('#devices tbody tr', { hasText: 'till-1' })
    await expect.poll(() => row.locator('td.num').first().getAttribute('data-value'), { timeout: 30_000 }).toBe(String(till.amount))
    expect(await row.locator('td.num').nth(1).getAttribute('data-value')).toBe(String(till.order_count))
    await context.close()
  })

  it('one load asks for each thing once: the day once (the stream is told it has it), the devices once; JSON comes compressed', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const requests: string[] = []
    const dayAnswers: { etag: string | null; encoding: string | null }[] = []
    context.on('request', (request) => requests.push(new URL(request.url()).pathname + new URL(request.url()).search))
    context.on('response', async (response) => {
      if (new URL(response.url()).pathname === '/api/v1/day')
        dayAnswers.push({ etag: await response.headerValue('etag'), encoding: await response.headerValue('content-encoding') })
    })
    const page = await context.newPage()
    await page.goto(store.base)
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live')
    await page.locator('#devices tbody th').first().waitFor()
    await page.waitForTimeout(1000) // anything a second request would have been
    const paths = (prefix: string): string[] => requests.filter((path) => path.startsWith(prefix))
    expect(paths('/api/v1/day')).toHaveLength(1)
    expect(paths('/api/v1/devices')).toHaveLength(1)
    const events = paths('/api/v1/events')
    expect(events).toHaveLength(1)
    expect(dayAnswers[0]!.etag).toBeTruthy()
    expect(new URL(events[0]!, store.base).searchParams.get('day_etag')).toBe(dayAnswers[0]!.etag)
    expect(dayAnswers[0]!.encoding).toBe('br') // Chromium asks for br; the day's JSON is over 1 KB
    await context.close()
  })

  it('a past day through the date picker and the arrows', async () => {
    const past = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10)
    const pastTotals = await store.api<{ total_amount: number }>(`/api/v1/totals?date=${past}`)
    expect(pastTotals.total_amount).toBe(42.42)
    const { context, page } = await open(store)
    await expect.poll(() => shown(page, 'total-amount')).not.toBeNull()
    await page.fill('#date', past)
    await expect.poll(() => shown(page, 'total-amount')).toBe('42.42')
    expect(await page.locator('#total-label').textContent()).toMatch(/^Sales on /)
    expect(new URL(page.url()).searchParams.get('date')).toBe(past)
    await page.click('#next-day')
    await expect.poll(() => page.locator('#date').inputValue()).toBe(new Date(Date.parse(past) + 86_400_000).toISOString().slice(0, 10))
    await expect.poll(() => shown(page, 'total-amount')).toBe('0')
    await page.click('#today')
    await expect.poll(() => page.locator('#total-label').textContent()).toBe('Sales today')
    await context.close()
  })

  it('a gateway that serves two stores offers a store picker; each store shows its own day', async () => {
    const other = await runCli(['devices', 'add', 'till-9', '--store', 'store_002', '--json', '--config', store.configFile])
    const till9 = JSON.parse(other.stdout) as { device_id: string; store_id: string; token: string }
    const client = await connectDevice(`mqtt://127.0.0.1:${store.daemon!.mqttPort}`, {
      deviceId: till9.device_id,
      storeId: till9.store_id,
      token: till9.token,
      createdAt: '',
    })
    await client.publishAsync(
      'stores/store_002/devices/till-9/sales',
      JSON.stringify(recentSale({ device_id: 'till-9', store_id: 'store_002', price: 9.99 })),
      { qos: 1 },
    )
    await client.endAsync()
    const { context, page } = await open(store)
    await page.locator('#store-picker').waitFor({ state: 'visible' })
    expect(await page.locator('#store-picker option').evaluateAll((options) => options.map((option) => option.getAttribute('value')))).toEqual([
      'store_001',
      'store_002',
    ])
    await page.selectOption('#store-picker', 'store_002')
    await expect.poll(() => shown(page, 'total-amount'), { timeout: 30_000 }).toBe('9.99')
    expect(new URL(page.url()).searchParams.get('store')).toBe('store_002')
    await expect.poll(() => page.locator('#devices tbody').textContent()).toContain('till-9')
    await context.close()
  })

  it('open without a token: a saved token the gateway refuses is dropped, not a lock-out; sign out forgets a token', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.addInitScript("localStorage.setItem('medallion-edge.token', 'a-rotated-admin-token-0000')")
    const page = await context.newPage()
    await page.goto(store.base)
    await expect.poll(() => shown(page, 'total-amount')).not.toBeNull()
    expect(await page.evaluate("localStorage.getItem('medallion-edge.token')")).toBeNull()
    expect(await page.locator('#sign-out').isHidden()).toBe(true)
    await context.close()
  })

  it('with a staff token set: the page asks for it, refuses a wrong one with a message, shows the totals with the right one', async () => {
    // A line rung up by mistake and voided: not in the figures; its void is shown to an admin only.
    const mistake = recentSale({ event_id: 'rung-up-by-mistake', price: 1 })
    await locked.publish([
      recentSale({ price: 5 }),
      mistake,
      { event_id: 'void-1', store_id: 'store_001', timestamp: mistake.timestamp, void_of: 'rung-up-by-mistake' },
      { not: 'a sale' },
    ])
    await expect.poll(async () => (await locked.api<Totals>('/api/v1/totals', STAFF)).voids_count, { timeout: 30_000 }).toBe(1)
    const { context, page } = await open(locked)
    await page.locator('#sign-in').waitFor({ state: 'visible' })
    expect(await page.locator('#figures').isHidden()).toBe(true)
    await page.fill('#token', 'not-the-token-0000')
    await page.click('#sign-in button[type=submit]')
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toBe('That token was refused by the gateway. Check it and try again.')
    await page.fill('#token', STAFF)
    await page.click('#sign-in button[type=submit]')
    await expect.poll(() => shown(page, 'total-amount')).toBe('5')
    // Staff sees no admin parts; the token stays in the browser for the next visit.
    expect(await page.locator('#rejects-admin').isHidden()).toBe(true)
    expect(await page.locator('#voids-admin').isHidden()).toBe(true)
    await page.reload()
    await expect.poll(() => shown(page, 'total-amount')).toBe('5')
    // The admin token shows the refused messages too, and is kept for this tab only.
    await page.click('#sign-in-open')
    await page.fill('#token', ADMIN)
    await page.click('#sign-in button[type=submit]')
    await expect.poll(() => page.locator('#rejects tbody tr').count()).toBeGreaterThan(0)
    expect(await page.locator('#rejects-admin').isVisible()).toBe(true)
    expect(await page.locator('#voids-admin').textContent()).toBe(' · 1 line voided')
    expect(await page.evaluate("[localStorage.getItem('medallion-edge.token'), sessionStorage.getItem('medallion-edge.token')]")).toEqual([null, ADMIN])
    // Sign out: the token is gone and the page asks again.
    await page.click('#sign-out')
    await page.locator('#sign-in').waitFor({ state: 'visible' })
    expect(await page.evaluate("[localStorage.getItem('medallion-edge.token'), sessionStorage.getItem('medallion-edge.token')]")).toEqual([null, null])
    await context.close()
  })

  it('the stream survives a daemon restart: the page says it lost the gateway, reconnects by itself and shows new sales', async () => {
    const { context, page } = await open(store)
    const before = await store.totalsWith(5)
    await expect.poll(() => shown(page, 'total-amount')).toBe(String(before.total_amount))
    await store.stop()
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).not.toBe('live')
    await store.run()
    await store.publish([recentSale({ product_id: 113, price: 1.11 })])
    await expect.poll(() => shown(page, 'total-amount'), { timeout: 30_000 }).toBe(String(Math.round((before.total_amount + 1.11) * 100) / 100))
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live')
    await context.close()
  }, 60_000)

  it('is keyboard and screen-reader friendly: no axe-core violation (WCAG 2 A/AA, contrast) in light and dark, on a phone, on the sign-in form', async () => {
    const axe = readFileSync(AXE, 'utf8')
    const audit = async (gateway: StoreGateway, viewport: { width: number; height: number }, scheme: 'light' | 'dark', ready: string): Promise<string[]> => {
      // axe-core is injected by the test, so the page's own policy (no inline script) is lifted for it.
      const { context, page } = await open(gateway, viewport, scheme, true)
      await page.locator(ready).waitFor({ state: 'visible' })
      await page.waitForTimeout(500) // the breakdowns and the chart, drawn after the totals
      await page.evaluate(axe)
      const result = (await page.evaluate("axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] })")) as {
        violations: { id: string; nodes: { target: string[] }[] }[]
      }
      await context.close()
      return result.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)
    }
    expect(await audit(store, { width: 1280, height: 900 }, 'light', '#top-products li >> nth=0')).toEqual([])
    expect(await audit(store, { width: 390, height: 844 }, 'dark', '#top-products li >> nth=0')).toEqual([])
    expect(await audit(locked, { width: 390, height: 844 }, 'light', '#sign-in')).toEqual([])
  })

  it('works from the keyboard: the day before with Enter on the arrow', async () => {
    const { context, page } = await open(store)
    await expect.poll(() => shown(page, 'total-amount')).not.toBeNull()
    const today = await page.locator('#date').inputValue()
    await page.focus('#prev-day')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('#date').inputValue()).toBe(new Date(Date.parse(today) - 86_400_000).toISOString().slice(0, 10))
    await page.keyboard.press('Tab') // to the date field
    expect(await page.evaluate('document.activeElement.id')).toBe('date')
    await context.close()
  })

  it('the sign-in screen offers only what works: no day controls, no second sign-in link, no stale role; a short token is told why', async () => {
    const { context, page } = await open(locked, { width: 390, height: 844 })
    await page.locator('#sign-in').waitFor({ state: 'visible' })
    expect(await page.locator('#day-nav').isHidden()).toBe(true)
    expect(await page.locator('#sign-in-open').isHidden()).toBe(true)
    await page.fill('#token', 'abcde')
    await page.click('#sign-in button[type=submit]')
    await expect
      .poll(() => page.locator('#sign-in-error').textContent())
      .toBe('Access tokens are at least 16 characters long; this one has 5. Check it and try again.')
    await page.fill('#token', STAFF)
    await page.click('#sign-in button[type=submit]')
    await expect.poll(() => shown(page, 'total-amount'), { timeout: 30_000 }).toBe('5')
    expect(await page.locator('#day-nav').isVisible()).toBe(true)
    expect(await page.locator('#role').textContent()).toBe('Signed in as staff')
    // Another token that is refused: the footer no longer says who is signed in.
    await page.click('#sign-in-open')
    expect(await page.locator('#sign-in-open').isHidden()).toBe(true)
    await page.fill('#token', 'not-the-token-0000')
    await page.click('#sign-in button[type=submit]')
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toBe('That token was refused by the gateway. Check it and try again.')
    expect(await page.locator('#role').textContent()).toBe('')
    expect(await page.locator('#day-nav').isHidden()).toBe(true)
    await context.close()
  })

  // Last of the locked gateway's tests: its staff token is not the same after it.
  it('a staff token changed on the gateway (SIGHUP): the open page stops showing figures and asks for the new one', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.addInitScript(`localStorage.setItem('medallion-edge.token', '${STAFF}')`)
    const page = await context.newPage()
    await page.goto(locked.base)
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live')
    locked.reloadTokens({ staff: NEW_STAFF, admin: ADMIN })
    await page.locator('#sign-in').waitFor({ state: 'visible', timeout: 30_000 })
    expect(await page.locator('#figures').isHidden()).toBe(true)
    expect(await page.locator('#sign-in-error').textContent()).toBe('The gateway refused the token. Type the current one.')
    await page.fill('#token', NEW_STAFF)
    await page.click('#sign-in button[type=submit]')
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live')
    expect(await shown(page, 'total-amount')).toBe('5')
    await context.close()
  })

  it("returns: the day's figure is net, with the gross and the returns under it; a product shows its units returned (issue 22)", async () => {
    const before = await store.api<Totals>('/api/v1/totals')
    await store.publish([
      recentSale({ event_id: 'sold-then-returned', product_id: 113, price: 4, quantity: 3, order_id: 'r1' }),
      recentSale({ product_id: 113, price: 4, quantity: -2, order_id: 'r2', refund_of: 'sold-then-returned', reason: 'damaged' }),
    ])
    await expect.poll(async () => (await store.api<Totals>('/api/v1/totals')).returns_count, { timeout: 30_000 }).toBe(before.returns_count + 1)
    const totals = await store.api<Totals>('/api/v1/totals')
    expect(totals.total_amount).toBe(Math.round((before.total_amount + 4) * 100) / 100)
    const { context, page } = await open(store, SCREENS.phone)
    await expect.poll(() => shown(page, 'total-amount')).toBe(String(totals.total_amount))
    expect(await page.locator('#gross-detail').textContent()).toBe(`${usd(totals.gross_amount)} gross`)
    expect(await page.locator('#returns-detail').textContent()).toBe(
      `· -${usd(totals.returns_amount)} in ${totals.returns_count} return${totals.returns_count === 1 ? '' : 's'}`,
    )
    expect(await page.locator('#voids-admin').isHidden()).toBe(true)
    expect(await page.locator('#top-products li', { hasText: '(2 returned)' }).count()).toBe(1)
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(SCREENS.phone.width)
    await page.screenshot({ path: join(ARTIFACTS, 'staff-page-returns-phone.png'), fullPage: true })
    await context.close()
  })

  it('stock: out of stock and running low, with units on hand and when counted; a sale updates it live (issue 23)', async () => {
    const scanner = await store.addDevice('scanner-1')
    const handheld = await connectDevice(`mqtt://127.0.0.1:${store.daemon!.mqttPort}`, scanner)
    // Just now: the same store-day whenever the test runs (half an hour back crossed midnight in New York).
    const counted = new Date(Date.now() - 10_000).toISOString()
    const count = (product: number, quantity: number): Record<string, unknown> => ({
      device_id: 'scanner-1',
      store_id: 'store_001',
      event_id: `count-${product}`,
      timestamp: counted,
      product_id: product,
      type: 'count',
      quantity,
    })
    await handheld.publishAsync('stores/store_001/devices/scanner-1/inventory', JSON.stringify([count(107, 0), count(108, 5), count(109, 50)]), { qos: 1 })
    await handheld.endAsync()
    await store.publish([recentSale({ product_id: 108, quantity: 4 })]) // 1 left, 1.75 (shown 1.8) days of cover: running low
    const { context, page } = await open(store, SCREENS.phone)
    await expect.poll(() => page.locator('#stock-low li[data-product-id="108"]').count(), { timeout: 30_000 }).toBe(1)
    expect(await page.locator('#stock-out li[data-product-id="107"] .amount').getAttribute('data-value')).toBe('0')
    expect(await page.locator('#stock-low li[data-product-id="108"] .amount').textContent()).toBe('1 on hand')
    expect(await page.locator('#stock-low li[data-product-id="108"] .detail').textContent()).toMatch(/counted \d+:\d\d:\d\d [AP]M( \S+)? · 1\.8 days of cover$/)
    expect(await page.locator('#stock-card li[data-product-id="109"]').count()).toBe(0) // plenty: in neither list
    expect(await page.locator('#shrink-admin').isHidden()).toBe(true) // a manager's figure
    await page.screenshot({ path: join(ARTIFACTS, 'staff-page-stock-phone.png'), fullPage: true })
    // The last one sold: out of stock, on the open page, without a reload.
    await store.publish([recentSale({ product_id: 108 })])
    await expect.poll(() => page.locator('#stock-out li[data-product-id="108"]').count(), { timeout: 30_000 }).toBe(1)
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(SCREENS.phone.width)
    await context.close()
  })

  it("an admin sees the day's shrink by reason in the stock panel: missing at counts and each write-off's reason (issue 23)", async () => {
    const scanner = await locked.addDevice('scanner-2')
    const handheld = await connectDevice(`mqtt://127.0.0.1:${locked.daemon!.mqttPort}`, scanner)
    // Seconds apart and just now: the same store-day whenever the test runs.
    const start = Date.now() - 10_000
    const event = (id: string, second: number, type: string, quantity: number, reason?: string): Record<string, unknown> => ({
      device_id: 'scanner-2',
      store_id: 'store_001',
      event_id: id,
      timestamp: new Date(start + second * 1000).toISOString(),
      product_id: 110,
      type,
      quantity,
      ...(reason === undefined ? {} : { reason }),
    })
    await handheld.publishAsync(
      'stores/store_001/devices/scanner-2/inventory',
      // 30 counted, 2 damaged, 1 stolen: 27 expected; 24 counted: 3 missing.
      JSON.stringify([
        event('s1', 1, 'count', 30),
        event('s2', 2, 'adjustment', -2, 'damaged'),
        event('s3', 3, 'adjustment', -1, 'theft'),
        event('s4', 4, 'count', 24),
      ]),
      { qos: 1 },
    )
    await handheld.endAsync()
    const { context, page } = await open(locked, SCREENS.desktop)
    await page.fill('#token', ADMIN)
    await page.click('#sign-in button[type=submit]')
    await expect.poll(() => page.locator('#shrink li').count(), { timeout: 30_000 }).toBe(3)
    expect(await page.locator('#shrink li .name').allTextContents()).toEqual(['Missing at counts', 'Damaged', 'Theft'])
    expect(await page.locator('#shrink li .amount').allTextContents()).toEqual(['3 units', '2 units', '1 unit'])
    await page.screenshot({ path: join(ARTIFACTS, 'staff-page-shrink-desktop.png'), fullPage: true })
    await context.close()
  })

  it('no page made a request to anything but its gateway', () => {
    expect(outside).toEqual([])
  })
})
