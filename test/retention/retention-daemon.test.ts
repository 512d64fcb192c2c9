import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { launchChromium } from '../helpers/browser.js'
import { runCli } from '../helpers/cli.js'
import { writeDaemonConfig } from '../helpers/daemon.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { openMigrated } from '../../src/schemas.js'

const STAFF = 'staff-token-0123456789'

describe('retention in the running daemon: the scheduled job, status, metrics, the CLI', () => {
  let gw: RunningGateway
  let device: IssuedDevice
  const lake = makeTempDir('medallion-lake-')
  const today = new Date().toISOString().slice(0, 10) // the test config's zone is UTC
  const work = makeTempDir()
  const query = <T>(sql: string): T => {
    const db = openMigrated(gw.dataDir)
    try {
      return db.prepare(sql).pluck().get() as T
    } finally {
      db.close()
    }
  }

  beforeAll(async () => {
    gw = await startGateway({ upload: { target: 'directory', directory: { path: lake.path } }, http: { tokens: { staff: STAFF } } })
    device = gw.addDevice('abc123')
    const client = await connectDevice(gw.url, device)
    // Two old days (long past retention.salesDays, 35 days) and today.
    for (const timestamp of ['2025-05-01T10:00:00Z', '2025-05-02T10:00:00Z', `${today}T00:00:01Z`]) {
      await client.publishAsync(topicOf(device), JSON.stringify(seedSale({ timestamp, price: 10 })), { qos: 1 })
    }
    await client.endAsync()
    await vi.waitUntil(() => query<number>('SELECT count(*) FROM gold.kpi_daily_orders') === 3, { timeout: 30_000, interval: 50 })
    await gw.gateway.scheduler.runNow('snapshot')
    await gw.gateway.scheduler.runNow('upload')
  })
  afterAll(async () => {
    await gw.stop()
    lake.remove()
    work.remove()
  })

  it('the retention job prunes the delivered old days on its thread; gold and the staff API keep them', async () => {
    expect(query<number>("SELECT count(*) FROM outbox WHERE state = 'shipped'")).toBe(3)
    await gw.gateway.scheduler.runNow('retention')
    expect(gw.gateway.scheduler.status().find((job) => job.name === 'retention')?.last?.outcome).toBe('ok')
    expect(query<number>('SELECT count(*) FROM bronze.iot_sales_raw')).toBe(1) // today's
    expect(query<number>('SELECT count(*) FROM silver.sales_enriched')).toBe(1)
    expect(query<number>('SELECT count(*) FROM gold.kpi_daily_orders')).toBe(3)
    const response = await fetch(`http://127.0.0.1:${gw.addresses.http.port}/api/v1/totals?date=2025-05-01`, { headers: { authorization: `Bearer ${STAFF}` } })
    expect(await response.json()).toMatchObject({ date: '2025-05-01', sales_count: 1, total_amount: 10 })
  })

  it('metrics count what retention removed and show the file sizes', async () => {
    const text = await (await fetch(`http://127.0.0.1:${gw.addresses.http.port}/metrics`, { headers: { authorization: `Bearer ${STAFF}` } })).text()
    expect(text).toMatch(/^medallion_retention_removed_total\{what="store_days"\} 2$/m)
    expect(text).toMatch(/^medallion_retention_removed_total\{what="bronze_rows"\} 2$/m)
    expect(text).toMatch(/^medallion_database_bytes\{file="bronze"\} [1-9]\d*$/m)
    expect(text).toMatch(/^medallion_rejects_dropped_total 0$/m)
  })

  it('status shows the last run; `retention run` next to the daemon says what it did', async () => {
    const config = writeDaemonConfig(work.path, gw.dataDir, { upload: { target: 'directory', directory: { path: lake.path } } })
    const status = await runCli(['status', '--json', '--config', config])
    const report = JSON.parse(status.stdout) as {
      storage: { retention: { last: { prunedDays: number } }; fileBytes: Record<string, number> }
      oldestDay: unknown
    }
    expect(report.storage.retention.last.prunedDays).toBe(2)
    expect(Object.keys(report.storage.fileBytes)).toEqual(['gateway', 'bronze', 'silver', 'gold'])
    expect(report.oldestDay).toEqual({ sales: today, gold: '2025-05-01' })
    const run = await runCli(['retention', 'run', '--config', config])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(/^sales: 0 delivered store-days pruned \(0 bronze, 0 silver, 0 quarantined rows\)$/m)
    expect((await runCli(['status', '--config', config])).stdout).toMatch(/^retain {3}last run \S+: 0 store-days pruned/m)
  })

  it('a day whose gold retention removed says so in the totals (pruned_at), not as a day without sales', async () => {
    const config = writeDaemonConfig(work.path, gw.dataDir, {
      upload: { target: 'directory', directory: { path: lake.path } },
      retention: { salesDays: 2, goldDays: 2 },
    })
    expect((await runCli(['retention', 'run', '--config', config])).code).toBe(0)
    const totals = async (date: string): Promise<Record<string, unknown>> =>
      (
        await fetch(`http://127.0.0.1:${gw.addresses.http.port}/api/v1/totals?date=${date}`, { headers: { authorization: `Bearer ${STAFF}` } })
      ).json() as Promise<Record<string, unknown>>
    expect(await totals('2025-05-01')).toMatchObject({ total_amount: 0, sales_count: 0, pruned_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })
    expect(await totals('2025-04-01')).toMatchObject({ total_amount: 0, pruned_at: null })
    expect(await totals(today)).toMatchObject({ total_amount: 10, pruned_at: null })
    // A comparison with a pruned day names it: its zero is "not kept here", not a day without sales.
    expect((await totals('2025-05-03')).compare).toMatchObject({
      yesterday: { dates: ['2025-05-02'], days_with_data: 0, pruned_dates: ['2025-05-02'], total_amount: 0 },
      last_week: { dates: ['2025-04-26'], days_with_data: 0, pruned_dates: [] },
    })
    expect((await totals('2025-05-29')).compare).toMatchObject({
      four_weeks: { dates: ['2025-05-22', '2025-05-15', '2025-05-08', '2025-05-01'], days_with_data: 0, pruned_dates: ['2025-05-01'] },
    })

    // The staff page says so where it says how fresh the figures are.
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      await page.addInitScript(`localStorage.setItem('medallion-edge.token', '${STAFF}')`)
      await page.goto(`http://127.0.0.1:${gw.addresses.http.port}/?date=2025-05-01`)
      await expect
        .poll(() => page.locator('#as-of').textContent(), { timeout: 30_000 })
        .toBe("This day is no longer kept on the gateway (older than its retention): central's lake has its figures")
      await page.goto(`http://127.0.0.1:${gw.addresses.http.port}/?date=2025-04-01`)
      await expect.poll(() => page.locator('#as-of').textContent(), { timeout: 30_000 }).toMatch(/^Figures as of /)
    } finally {
      await browser.close()
    }
  })
})
