import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/browser.js'
import { connectDevice } from '../helpers/sales.js'
import { ARTIFACTS, openStaffPage, recentSale, SCREENS, shown, StoreGateway, type ScreenName } from '../helpers/staff-page.js'

/** `STAFF_PAGE_DOCS_IMAGES=1 npm test`: the screenshots also replace docs/images' (README, docs/dashboard.md). */
const DOCS_IMAGES = process.env.STAFF_PAGE_DOCS_IMAGES === '1' ? fileURLToPath(new URL('../../docs/images/', import.meta.url)) : undefined
const ADMIN = 'admin-token-for-the-back-office'
const HOUR = 3_600_000

/** What a figure looks like on screen: its text, and whether all of it is inside its box. */
interface FigureFit {
  id: string
  text: string
  /** Wider than its box (scrollWidth over clientWidth): cut or spilling. */
  overflows: boolean
  /** Sticking out of the card it is in. */
  outsideCard: boolean
  ellipsis: boolean
  /** At the smallest type and still too wide: wrapped onto a second line (whole, but a layout to fix). */
  wrapped: boolean
}

/** Every money and count figure of the page, measured in the browser. */
function measureFigures(page: Page): Promise<FigureFit[]> {
  // Browser code as text: the tests' TypeScript has Node's types, not the DOM's.
  return page.evaluate<FigureFit[]>(`[...document.querySelectorAll('.kpi-value, .bars .amount, .products .amount, #devices td.num')].map((element) => {
    const box = element.getBoundingClientRect()
    const card = element.closest('.kpi, .card').getBoundingClientRect()
    const style = getComputedStyle(element)
    return {
      id: element.id || element.className,
      text: element.textContent ?? '',
      overflows: element.scrollWidth > element.clientWidth + 1,
      outsideCard: box.left < card.left - 0.5 || box.right > card.right + 0.5,
      ellipsis: style.textOverflow === 'ellipsis' && style.overflow !== 'visible',
      wrapped: element.classList.contains('wrapped'),
    }
  })`)
}

/** Two frames after a resize or a theme change: the page has fitted its figures and redrawn its chart. */
function settled(page: Page): Promise<unknown> {
  return page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))')
}

describe('the staff page on every screen a shop has (Chromium)', () => {
  const store = new StoreGateway()
  let browser: Browser
  const outside: string[] = []

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    ;[browser] = await Promise.all([launchChromium(), store.start({ admin: ADMIN })])
    // A morning of whole baskets from two tills, and the same weekday a week ago.
    const now = Date.now()
    const sales: Record<string, unknown>[] = []
    for (let basket = 0; basket < 14; basket++) {
      const at = new Date(now - 20 * 60_000 - basket * 0.6 * HOUR).toISOString()
      const lines = 1 + (basket % 3)
      for (let line = 0; line < lines; line++) {
        sales.push(
          recentSale({
            timestamp: at,
            order_id: `basket-${basket}`,
            product_id: 101 + ((basket + line) % 16),
            price: 3.5 + basket * 1.25,
            quantity: 1 + (line % 2),
          }),
        )
      }
      sales.push(
        recentSale({ timestamp: new Date(Date.parse(at) - 7 * 24 * HOUR).toISOString(), order_id: `last-${basket}`, price: 4 + basket, customer_id: null }),
      )
    }
    await store.publish(sales)
    // A till that writes its prices as text: refused, with a reason and a detail for the admin.
    await store.publish([recentSale({ price: '12,50 EUR', note: 'x'.repeat(120) })])
    // A shelf count after the morning's sales (issue 23): two products out, some running low, a write-off.
    const scanner = await store.addDevice('scanner-1')
    const handheld = await connectDevice(`mqtt://127.0.0.1:${store.daemon!.mqttPort}`, scanner)
    const counted = new Date(now - 5_000).toISOString()
    const counts = [0, 0, 1, 2, 1, 40].map((quantity, i) => ({
      device_id: 'scanner-1',
      store_id: 'store_001',
      timestamp: counted,
      product_id: 101 + i,
      type: 'count',
      quantity,
    }))
    const writeOff = {
      device_id: 'scanner-1',
      store_id: 'store_001',
      timestamp: new Date(now - 4_000).toISOString(),
      product_id: 106,
      type: 'adjustment',
      quantity: -3,
      reason: 'damaged',
    }
    await handheld.publishAsync('stores/store_001/devices/scanner-1/inventory', JSON.stringify([...counts, writeOff]), { qos: 1 })
    await handheld.endAsync()
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await store.stop()
    store.remove()
  })

  it('money is never cut: every card at the four sizes, up to 9,999,999.99, in en-US, de-DE and ja-JP', async () => {
    // Ten million sales cannot be published in a test: the gateway's real answers are passed on
    // with the figures raised to the largest the page must show (the layout is what is tested).
    for (const [locale, currency, digits, amount] of [
      ['en-US', 'USD', 2, 9_999_999.99],
      ['de-DE', 'EUR', 2, 9_999_999.99],
      ['ja-JP', 'JPY', 0, 9_999_999],
    ] as const) {
      // One page per locale, resized to each screen in turn (as a tablet turned round): each size is
      // fitted by the page's own resize handling, as on a first load.
      const { context, page } = await openStaffPage(browser, store, outside, {
        viewport: SCREENS.till,
        prepare: async (context) => {
          await context.route('**/api/v1/session', async (route) => {
            const response = await route.fetch()
            const session = (await response.json()) as Record<string, unknown>
            await route.fulfill({ response, json: { ...session, locale, currency: { code: currency, minor_unit_digits: digits } } })
          })
          await context.route(/\/api\/v1\/day(\?|$)/, async (route) => {
            const response = await route.fetch()
            const day = (await response.json()) as {
              totals: Record<string, unknown> & { by_category: { amount: number }[] }
              top_products: { amount: number }[]
              stock: { out: { on_hand: number }[]; low: { on_hand: number }[] }
            }
            const totals = {
              ...day.totals,
              total_amount: amount,
              avg_order_amount: amount,
              sales_count: 9_999_999,
              order_count: 9_999_999,
              units: 99_999_999,
            }
            totals.by_category = totals.by_category.map((row) => ({ ...row, amount, count: 9_999_999 }))
            const stock = {
              ...day.stock,
              out: day.stock.out.map((row) => ({ ...row, on_hand: -9_999_999 })),
              low: day.stock.low.map((row) => ({ ...row, on_hand: 9_999_999 })),
            }
            await route.fulfill({ response, json: { totals, top_products: day.top_products.map((row) => ({ ...row, amount, units: 9_999_999 })), stock } })
          })
          // The live stream would bring the real (small) figures back: the page polls /day instead.
          await context.route('**/api/v1/events?*', (route) => route.fulfill({ status: 503, json: { error: { code: 'BUSY', message: 'test' } } }))
        },
      })
      await expect.poll(() => shown(page, 'total-amount')).toBe(String(amount))
      await page.locator('#top-products .amount >> nth=0').waitFor()
      for (const screen of Object.keys(SCREENS) as ScreenName[]) {
        await page.setViewportSize(SCREENS[screen])
        await settled(page)
        const figures = await measureFigures(page)
        const label = `${locale} ${screen}`
        expect(
          figures
            .filter((figure) => figure.overflows || figure.outsideCard || figure.ellipsis || figure.wrapped)
            .map((figure) => `${label}: ${figure.id} "${figure.text}"`),
        ).toEqual([])
        // Every digit is there (no "…"): 9,999,999.99 shows its ten nines, however the locale groups them.
        const total = figures.find((figure) => figure.id === 'total-amount')!
        expect(total.text.replace(/\D/g, ''), label).toBe(digits === 2 ? '999999999' : '9999999')
        expect(await page.evaluate('document.documentElement.scrollWidth'), label).toBeLessThanOrEqual(SCREENS[screen].width)
        await page.screenshot({ path: join(ARTIFACTS, `staff-page-big-${locale}-${screen}.png`) })
      }
      await context.close()
    }
  })

  it('a real sale of 9,999,999.99 fits the till screen and the phone', async () => {
    const till9 = await store.addDevice('till-9', 'store_002')
    const client = await connectDevice(`mqtt://127.0.0.1:${store.daemon!.mqttPort}`, till9)
    await client.publishAsync(
      'stores/store_002/devices/till-9/sales',
      JSON.stringify(recentSale({ device_id: 'till-9', store_id: 'store_002', price: 9_999_999.99 })),
      {
        qos: 1,
      },
    )
    await client.endAsync()
    for (const screen of ['till', 'phone'] as const) {
      const { context, page } = await openStaffPage(browser, store, outside, { viewport: SCREENS[screen], path: '/?store=store_002' })
      await expect.poll(() => shown(page, 'total-amount'), { timeout: 30_000 }).toBe('9999999.99')
      expect(await page.locator('#total-amount').textContent()).toBe('$9,999,999.99')
      await page.locator('#top-products .amount >> nth=0').waitFor()
      expect((await measureFigures(page)).filter((figure) => figure.overflows || figure.outsideCard)).toEqual([])
      await context.close()
    }
  })

  it('screenshots of the four sizes in light and dark: nothing scrolls sideways, nothing is cut', async () => {
    const { context, page } = await openStaffPage(browser, store, outside, { viewport: SCREENS.till })
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live')
    await page.locator('#top-products .amount >> nth=0').waitFor()
    await page.locator('#devices tbody th').first().waitFor()
    await page.locator('#hourly-chart canvas').first().waitFor()
    await expect.poll(() => page.locator('#stock-out li[data-product-id]').count(), { timeout: 30_000 }).toBe(2)
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      for (const screen of Object.keys(SCREENS) as ScreenName[]) {
        await page.setViewportSize(SCREENS[screen])
        await settled(page)
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(SCREENS[screen].width)
        expect((await measureFigures(page)).filter((figure) => figure.overflows || figure.outsideCard)).toEqual([])
        const file = `staff-page-${screen}-${scheme}.png`
        await page.screenshot({ path: join(ARTIFACTS, file), fullPage: true })
        if (DOCS_IMAGES) copyFileSync(join(ARTIFACTS, file), join(DOCS_IMAGES, file))
      }
    }
    await context.close()
  })

  it('a day without sales says "No sales yet": across the lists, with no $0-$1 chart', async () => {
    // A store of the gateway's that has a till and no sale yet.
    await store.addDevice('till-new', 'store_009')
    const { context, page } = await openStaffPage(browser, store, outside, { viewport: SCREENS.phone, path: '/?store=store_009' })
    await expect.poll(() => shown(page, 'total-amount')).toBe('0')
    await expect.poll(() => page.locator('#top-products li').allTextContents()).toEqual(['No sales yet'])
    expect(await page.locator('#by-category li').allTextContents()).toEqual(['No sales yet'])
    expect(await page.locator('#by-region li').allTextContents()).toEqual(['No sales yet'])
    // One line across the list, not a word per line in the rank column.
    const [item, list] = await Promise.all([page.locator('#top-products li').boundingBox(), page.locator('#top-products').boundingBox()])
    expect(item!.width).toBeGreaterThan(list!.width - 2)
    expect(item!.height).toBeLessThan(40)
    expect(await page.locator('#hourly-empty').textContent()).toBe('No sales yet')
    expect(await page.locator('#hourly-empty').isVisible()).toBe(true)
    expect(await page.locator('#hourly-chart').isHidden()).toBe(true)
    expect(await page.locator('#hourly-chart canvas').count()).toBe(0)
    await page.screenshot({ path: join(ARTIFACTS, 'staff-page-empty-phone.png'), fullPage: true })
    await context.close()
  })

  it('touch targets are at least 24 px, the tables scroll by keyboard, the refused messages keep their detail readable', async () => {
    const { context, page } = await openStaffPage(browser, store, outside, {
      viewport: SCREENS.desktop,
      initScript: `sessionStorage.setItem('medallion-edge.token', '${ADMIN}')`,
    })
    await expect.poll(() => page.locator('#rejects tbody tr').count(), { timeout: 30_000 }).toBeGreaterThan(0)
    for (const selector of ['summary', '#sign-in-open', '#sign-out', '#prev-day', '#today', '#compare']) {
      const box = await page.locator(selector).first().boundingBox()
      expect(box, selector).not.toBeNull()
      expect(Math.min(box!.width, box!.height), selector).toBeGreaterThanOrEqual(24) // WCAG 2.5.8
    }
    // Every scroll box is reachable from the keyboard, named for a screen reader.
    for (const wrap of await page.locator('.table-wrap').all()) {
      expect(await wrap.getAttribute('tabindex')).toBe('0')
      expect(await wrap.getAttribute('aria-label')).toMatch(/table/)
    }
    // The Detail column is not squeezed beside empty space: the table fits its card, the detail wraps.
    const fit = await page.evaluate<{ fits: boolean; detailWidth: number; detail: string }>(`(() => {
      const wrap = document.querySelector('#rejects').parentElement
      const detail = document.querySelector('#rejects td.detail')
      return { fits: wrap.scrollWidth <= wrap.clientWidth + 1, detailWidth: detail.getBoundingClientRect().width, detail: detail.textContent }
    })()`)
    expect(fit.fits).toBe(true)
    expect(fit.detailWidth).toBeGreaterThan(150)
    expect(fit.detail).toMatch(/price/)
    await context.close()
  })

  it('a focused control is never hidden under the header (phone and till screen, shift+Tab upwards)', async () => {
    for (const screen of ['phone', 'till'] as const) {
      const { context, page } = await openStaffPage(browser, store, outside, { viewport: SCREENS[screen] })
      await page.locator('#top-products .amount >> nth=0').waitFor()
      await page.locator('#sign-in-open').focus()
      const hidden: string[] = []
      for (let step = 0; step < 12; step++) {
        await page.keyboard.press('Shift+Tab')
        const seen = await page.evaluate<{ name: string; underHeader: boolean }>(`(() => {
          const focused = document.activeElement
          const header = document.querySelector('.top').getBoundingClientRect()
          const box = focused.getBoundingClientRect()
          // The header's own controls, the skip link (drawn over the header) and the page itself are not hidden by it.
          const exempt = focused.closest('.top') !== null || focused.classList.contains('skip') || focused === document.body
          return { name: focused.id || focused.tagName, underHeader: !exempt && box.top < header.bottom - 1 }
        })()`)
        if (seen.underHeader) hidden.push(`${screen}: ${seen.name}`)
      }
      expect(hidden).toEqual([])
      await context.close()
    }
  })

  it('no page made a request to anything but its gateway', () => {
    expect(outside).toEqual([])
  })
})
