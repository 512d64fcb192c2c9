import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { writeDaemonConfig } from '../helpers/daemon.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { openMigrated } from '../../src/schemas.js'

const ADMIN = 'admin-token-of-the-test-0123456789'

interface StockNow {
  products: { product_id: number; on_hand: number; known: boolean; uncounted: boolean }[]
}

/**
 * Issue 23: central loads counts without a device, by `medallion-edge inventory import FILE` (the
 * built CLI, its own process, while the daemon runs) and by the admin API. Both go through bronze
 * (deduplicated, bad rows refused by name or stored as rejects), and the running gateway's silver
 * and gold take them in as if a handheld had sent them.
 */
describe('inventory import and POST /api/v1/inventory/counts', () => {
  const dir = makeTempDir()
  let gw: RunningGateway
  let config: string
  const when = new Date(Date.now() - 60_000).toISOString()
  // A receipt at the instant of a count is in the count (a count says what is there at its time).
  const later = new Date(Date.parse(when) + 1000).toISOString()
  const inventoryRows = (): { device_id: string; product_id: number; type: string; quantity: number }[] => {
    const db = openMigrated(gw.dataDir, { attach: ['bronze'] })
    try {
      return db.prepare('SELECT device_id, product_id, type, quantity FROM bronze.iot_inventory_raw ORDER BY id').all() as never
    } finally {
      db.close()
    }
  }
  const now = async (): Promise<StockNow> => (await gw.gateway.http.inject('/api/v1/inventory/now')).json() as StockNow
  const onHand = async (): Promise<Record<number, number>> => Object.fromEntries((await now()).products.map((p) => [p.product_id, p.on_hand]))

  beforeAll(async () => {
    gw = await startGateway({ http: { host: '127.0.0.1', port: 0, tokens: { admin: ADMIN } } })
    config = writeDaemonConfig(dir.path, gw.dataDir, { storeId: gw.config.storeId, timezone: gw.config.timezone })
  })
  afterAll(async () => {
    await gw?.stop()
    dir.remove()
  })

  it('a CSV with a bad row is refused whole, naming the line; nothing is stored', async () => {
    const file = join(dir.path, 'bad.csv')
    writeFileSync(file, `store_id,product_id,quantity,timestamp\nstore_001,101,12,${when}\nstore_001,102,-3,${when}\nstore_001,abc,4,${when}\n`)
    const result = await runCli(['inventory', 'import', file, '--config', config])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('2 of 3 rows are invalid')
    expect(result.stderr).toContain('line 3: quantity -3: a count is >= 0')
    expect(result.stderr).toContain('line 4: product_id must be an integer')
    expect(result.stderr).toContain('nothing was stored')
    expect(inventoryRows()).toEqual([])
  })

  it('a CSV of counts lands in bronze as events of device `import`, once however often it is imported; gold shows it', async () => {
    const file = join(dir.path, 'counts.csv')
    writeFileSync(file, `store_id,product_id,quantity,timestamp\nstore_001,101,12,${when}\nstore_001,102,0,${when}\n`)
    const first = await runCli(['inventory', 'import', file, '--json', '--config', config])
    expect(first.stderr).toBe('')
    expect(JSON.parse(first.stdout)).toEqual({ rows: 2, stored: 2, duplicates: 0, rejected: 0, errors: [] })
    const again = await runCli(['inventory', 'import', file, '--config', config])
    expect(again.stdout).toBe(`${file}: 2 rows: 0 stored, 2 already in bronze, 0 rejected\n`)
    expect(inventoryRows()).toEqual([
      { device_id: 'import', product_id: 101, type: 'count', quantity: 12 },
      { device_id: 'import', product_id: 102, type: 'count', quantity: 0 },
    ])
    await expect.poll(onHand, { timeout: 30_000 }).toEqual({ 101: 12, 102: 0 })
    // An import is not a device on the floor: the staff page's device list does not show it as silent.
    const devices = (await gw.gateway.http.inject('/api/v1/devices')).json() as { devices: { device_id: string }[] }
    expect(devices.devices.map((device) => device.device_id)).not.toContain('import')
  })

  it('--allow-rejects stores the good rows and the bad ones as rejects with their reason', async () => {
    const file = join(dir.path, 'mixed.jsonl')
    writeFileSync(
      file,
      [
        { store_id: 'store_001', product_id: 103, quantity: 7, timestamp: when, event_id: 'erp-103' },
        { store_id: 'store_001', product_id: 104, quantity: 5, timestamp: 'yesterday' },
      ]
        .map((row) => JSON.stringify(row))
        .concat(['{"store_id": "store_001", "product_id": 105,'])
        .join('\n'),
    )
    const result = await runCli(['inventory', 'import', file, '--allow-rejects', '--json', '--config', config])
    expect(JSON.parse(result.stdout)).toMatchObject({ rows: 3, stored: 1, duplicates: 0, rejected: 2, errors: [{ line: 2 }, { line: 3 }] })
    const rejects = (await gw.gateway.http.inject({ url: '/api/v1/rejects', headers: { authorization: `Bearer ${ADMIN}` } })).json() as {
      rejects: { reason: string; topic: string }[]
    }
    // Both bad lines kept with their reason, the one that is not JSON too.
    expect(rejects.rejects.slice(0, 2).map((reject) => reject.reason)).toEqual(['invalid_json', 'invalid_timestamp'])
    expect(rejects.rejects[1]).toMatchObject({ topic: 'stores/store_001/devices/import/inventory' })
    await expect.poll(onHand, { timeout: 30_000 }).toEqual({ 101: 12, 102: 0, 103: 7 })
  })

  it('the admin API takes CSV and JSON lines, answers the summary, and refuses other roles and bad files', async () => {
    const post = (body: string, type: string, query = '', token: string | null = ADMIN) =>
      gw.gateway.http.inject({
        method: 'POST',
        url: `/api/v1/inventory/counts${query}`,
        headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        payload: body,
      })
    const csv = `store_id,product_id,quantity,timestamp,type\nstore_001,101,4,${later},receipt\n`
    expect((await post(csv, 'text/csv', '', null)).statusCode).toBe(401)
    const stored = await post(csv, 'text/csv', '?device_id=erp-1')
    expect(stored.statusCode).toBe(200)
    expect(stored.json()).toEqual({ rows: 1, stored: 1, duplicates: 0, rejected: 0, errors: [] })
    expect((await post(csv, 'text/csv', '?device_id=erp-1')).json()).toMatchObject({ stored: 0, duplicates: 1 })
    const jsonl = JSON.stringify({ store_id: 'store_001', product_id: 105, quantity: 3, timestamp: when }) + '\n'
    expect((await post(jsonl, 'application/x-ndjson')).json()).toMatchObject({ stored: 1 })
    const refused = await post(`store_id,product_id,quantity,timestamp\nstore 1,101,4,${when}\n`, 'text/csv')
    expect(refused.statusCode).toBe(422)
    expect(refused.json()).toEqual({
      error: {
        code: 'STOCK_FILE_INVALID',
        message: expect.stringContaining("line 2: store_id 'store 1' must be 1-64 characters of A-Z a-z 0-9 _ . : -") as string,
      },
    })
    // Bytes that are not UTF-8 (a Latin-1 export): refused by line, not stored with replacement characters.
    const latin1 = Buffer.concat([
      Buffer.from(`store_id,product_id,quantity,timestamp,type,reason\nstore_001,101,-1,${later},adjustment,ab`),
      Buffer.from([0xee]),
      Buffer.from('m\n'),
    ])
    const notUtf8 = await post(latin1 as unknown as string, 'text/csv')
    expect(notUtf8.json()).toEqual({ error: { code: 'STOCK_FILE_INVALID', message: 'line 2: the file is not valid UTF-8; nothing was applied' } })
    const missing = await post('store_id,product_id,timestamp\n', 'text/csv')
    expect(missing.json()).toMatchObject({ error: { code: 'STOCK_FILE_INVALID', message: 'line 1: missing column quantity; nothing was applied' } })
    await expect.poll(onHand, { timeout: 30_000 }).toEqual({ 101: 16, 102: 0, 103: 7, 105: 3 })
  })
})
