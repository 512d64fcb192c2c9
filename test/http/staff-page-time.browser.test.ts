import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays } from '../../src/util/calendar-date.js'
import { launchChromium } from '../helpers/browser.js'
import { openStaffPage, recentSale, SCREENS, shown, StoreGateway } from '../helpers/staff-page.js'

/** The store's date now (New York, as the gateway's config says). */
const storeToday = (): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(Date.now())

/** "… (12 sec. ago)": the relative part of a "time (ago)" text. */
const agoIn = (text: string | null): string | undefined => /\(([^()]*ago[^()]*)\)/.exec(text ?? '')?.[1]

/** Moves the page's clock in small steps, letting the real network answer in between. */
async function runPageClock(page: Page, ms: number): Promise<void> {
  for (let ran = 0; ran < ms; ran += 500) {
    await page.clock.runFor(500)
    await page.waitForTimeout(200)
  }
}

describe("the staff page keeps one clock, the store's (Chromium)", () => {
  const store = new StoreGateway()
  let browser: Browser
  const outside: string[] = []

  beforeAll(async () => {
    ;[browser] = await Promise.all([launchChromium(), store.start()])
    await store.publish([
      recentSale({ price: 4.2, timestamp: new Date().toISOString() }),
      recentSale({ price: 1, timestamp: `${addDays(storeToday(), -3)}T17:00:00Z` }),
    ])
    await store.totalsWith(1)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await store.stop()
    store.remove()
  })

  it('the gateway stops: a kiosk in UTC says offline within 5 s of page time (stream retries meanwhile), both times on the store clock in one format, naming the zone', async () => {
    try {
      const { context, page } = await openStaffPage(browser, store, outside, { timezoneId: 'UTC', prepare: (context) => context.clock.install() })
      await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live')
      // The page's time stops (and moves only when the test says) once its stream has been open a while.
      await page.clock.pauseAt((await page.evaluate<number>('Date.now()')) + 10_000)
      await store.stop()
      await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).not.toBe('live')
      await runPageClock(page, 5000)
      await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('offline')
      const notice = (await page.locator('#connection').textContent())!
      const time = String.raw`(\d{1,2}):\d{2}:\d{2} ([AP]M) (EST|EDT)`
      const match = new RegExp(`^Cannot reach the gateway since ${time}\\. The figures shown are as of ${time}\\. Retrying…$`).exec(notice)
      expect(match, notice).not.toBeNull()
      // The hour is New York's now, not UTC's.
      const hourNow = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hour12: true }).formatToParts(Date.now())
      const hour = hourNow.find((part) => part.type === 'hour')!.value
      expect([hour, String((Number(hour) % 12) + 1)]).toContain(match![1])
      // Every time on the page is in that one format.
      expect(await page.locator('#as-of').textContent()).toMatch(new RegExp(`^Figures as of ${time}$`))
      // Stale figures are dimmed, the comparison ("+180%") with them.
      for (const id of ['total-amount', 'vs-last-week']) {
        expect(Number(await page.evaluate<string>(`getComputedStyle(document.getElementById('${id}')).opacity`)), id).toBeLessThan(1)
      }
      await context.close()
    } finally {
      if (store.client === undefined) await store.run()
    }
  }, 90_000)

  it('the gateway panel and the devices table say the same "… ago" for the same sale, as time goes by', async () => {
    await store.publish([recentSale({ price: 2.5, timestamp: new Date().toISOString() })])
    const { context, page } = await openStaffPage(browser, store, outside, { prepare: (context) => context.clock.install() })
    const lastSale = (): Promise<string | null> => page.locator('#pipeline dd').first().textContent()
    const deviceLast = (): Promise<string | null> => page.locator('#devices tbody tr td:last-child').first().textContent()
    await expect.poll(async () => agoIn(await deviceLast()), { timeout: 30_000 }).toBeDefined()
    await expect.poll(async () => agoIn(await lastSale()), { timeout: 30_000 }).toBeDefined()
    // 45 s on (under the device list's minute), and the page's time held there: each panel's next
    // redraw says a later "ago", read from both at one instant.
    await page.clock.pauseAt((await page.evaluate<number>('Date.now()')) + 45_000)
    await expect.poll(async () => agoIn(await lastSale()), { timeout: 30_000 }).toMatch(/^4\d sec/)
    const [inPanel, inTable] = await page.evaluate<[string, string]>(
      "[document.querySelector('#pipeline dd').textContent, document.querySelector('#devices tbody tr td:last-child').textContent]",
    )
    expect(agoIn(inTable)).toBe(agoIn(inPanel))
    await context.close()
  }, 60_000)

  it('a past day says it is one, and shows no live panels; a bad or future date in the address is said, not silently today', async () => {
    const past = addDays(storeToday(), -3)
    let { context, page } = await openStaffPage(browser, store, outside, { path: `/?date=${past}` })
    await expect.poll(() => shown(page, 'total-amount'), { timeout: 30_000 }).toBe('1')
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('past')
    expect(await page.locator('#connection').textContent()).toMatch(/^Showing a past day, \w+day, /)
    expect(await page.locator('#now-panels').isHidden()).toBe(true)
    await page.click('#today')
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live')
    expect(await page.locator('#now-panels').isVisible()).toBe(true)
    await context.close()
    for (const [date, said] of [
      ['garbage', /“garbage”, which is not a date/],
      ['2026-02-30', /“2026-02-30”, which is not a date/],
      [addDays(storeToday(), 2), /which has not come yet/],
    ] as const) {
      ;({ context, page } = await openStaffPage(browser, store, outside, { viewport: SCREENS.phone, path: `/?date=${date}` }))
      await expect.poll(() => page.locator('#day-notice').textContent(), { timeout: 30_000 }).toMatch(said)
      expect(await page.locator('#day-notice').isVisible()).toBe(true)
      expect(await page.locator('#date').inputValue()).toBe(storeToday())
      await context.close()
    }
  }, 60_000)

  it('no page made a request to anything but its gateway', () => {
    expect(outside).toEqual([])
  })
})
