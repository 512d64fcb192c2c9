import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { openStaffPage, recentSale, SCREENS, shown, StoreGateway } from '../helpers/staff-page.js'

const STAFF = 'staff-token-for-the-shop-floor'
const NEW_STAFF = 'staff-token-of-next-month-0001'
const ADMIN = 'admin-token-for-the-back-office'

describe('the staff page and its access tokens (Chromium)', () => {
  const store = new StoreGateway()
  let browser: Browser
  const outside: string[] = []

  beforeAll(async () => {
    ;[browser] = await Promise.all([launchChromium(), store.start({ staff: STAFF, admin: ADMIN })])
    await store.publish([recentSale({ price: 5 })])
    await store.totalsWith(1, undefined, STAFF)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await store.stop()
    store.remove()
  })

  it('the sign-in screen offers only what works: no day controls, no second sign-in link, no stale role; a short token is told why', async () => {
    const { context, page } = await openStaffPage(browser, store, outside, { viewport: SCREENS.phone })
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

  it('a staff token changed on the gateway (SIGHUP): the open page stops showing figures and asks for the new one', async () => {
    const { context, page } = await openStaffPage(browser, store, outside, { initScript: `localStorage.setItem('medallion-edge.token', '${STAFF}')` })
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live')
    store.reloadTokens({ staff: NEW_STAFF, admin: ADMIN })
    await page.locator('#sign-in').waitFor({ state: 'visible', timeout: 30_000 })
    expect(await page.locator('#figures').isHidden()).toBe(true)
    expect(await page.locator('#sign-in-error').textContent()).toBe('The gateway refused the token. Type the current one.')
    await page.fill('#token', NEW_STAFF)
    await page.click('#sign-in button[type=submit]')
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live')
    expect(await shown(page, 'total-amount')).toBe('5')
    await context.close()
  }, 60_000)

  it('no page made a request to anything but its gateway', () => {
    expect(outside).toEqual([])
  })
})
