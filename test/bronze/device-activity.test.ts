import { afterEach, describe, expect, it } from 'vitest'
import { BronzeStore, type IncomingMessage } from '../../src/bronze/bronze-store.js'
import { BRONZE_MIGRATIONS } from '../../src/bronze/schema.js'
import { migrate } from '../../src/db/migrate.js'
import { openDatabase } from '../../src/db/open.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'

describe("bronze.device_activity: each device's last sale, for device health", () => {
  let gw: RunningGateway | undefined
  afterEach(async () => {
    await gw?.stop()
    gw = undefined
  })

  it("a device's sale over MQTT shows on /api/v1/devices: connected, seen today, its last sale; one that never sold is silent", async () => {
    gw = await startGateway()
    const till = gw.addDevice('till-1')
    gw.addDevice('till-2')
    const client = await connectDevice(gw.url, till)
    const before = Date.now()
    const timestamp = new Date(before - 60_000).toISOString()
    await client.publishAsync(topicOf(till), JSON.stringify(seedSale({ device_id: 'till-1', timestamp })), { qos: 1 })
    // A duplicate and a reject are not new sales: the last sale stays the first one.
    await client.publishAsync(topicOf(till), JSON.stringify(seedSale({ device_id: 'till-1', timestamp: new Date(before - 30_000).toISOString(), price: -1 })), {
      qos: 1,
    })
    const response = await gw.gateway.http.inject('/api/v1/devices')
    const body = response.json()
    expect(body).toMatchObject({ store_id: 'store_001', registered: 2, seen_today: 1, connected_now: 1, silent: 1 })
    const [silent, active] = body.devices
    expect(silent).toEqual({
      device_id: 'till-2',
      registered: true,
      connected: false,
      last_received_at: null,
      last_sale_at: null,
      seen_today: false,
      silent: true,
      sales_count: 0,
      order_count: 0,
      units: 0,
      amount: 0,
    })
    expect(active).toMatchObject({ device_id: 'till-1', registered: true, connected: true, seen_today: true, silent: false, last_sale_at: timestamp })
    expect(Date.parse(active.last_received_at)).toBeGreaterThanOrEqual(before)
    await client.endAsync()
  })

  it('is written at most once a second per device (to the second is what device health needs)', () => {
    const dir = makeTempDir()
    try {
      const db = openDatabase({ dataDir: dir.path, attach: ['bronze'] })
      migrate(db, 'bronze', BRONZE_MIGRATIONS)
      const store = new BronzeStore(db, { maxPayloadBytes: 262144, maxBatchItems: 1000, minorUnitDigits: 2, rejectPayloadKeepBytes: 1024 })
      const at = Date.parse('2025-05-01T10:00:00Z')
      const sale = (receivedAtMs: number): IncomingMessage => {
        const payload = Buffer.from(JSON.stringify(seedSale({ timestamp: new Date(receivedAtMs).toISOString() })))
        return { topic: 'stores/store_001/devices/abc123/sales', clientId: 'abc123', payload, payloadBytes: payload.length, receivedAtMs }
      }
      const last = (): unknown => db.prepare('SELECT last_received_at FROM bronze.device_activity').pluck().get()
      store.commit([sale(at)])
      expect(last()).toBe('2025-05-01T10:00:00.000Z')
      store.commit([sale(at + 600)])
      expect(last()).toBe('2025-05-01T10:00:00.000Z')
      store.commit([sale(at + 1200)])
      expect(last()).toBe('2025-05-01T10:00:01.200Z')
      // The gateway's clock stepped back an hour (NTP): written at once, not an hour later.
      store.commit([sale(at - 3_600_000)])
      expect(last()).toBe('2025-05-01T09:00:00.000Z')
      db.close()
    } finally {
      dir.remove()
    }
  })

  it('the migration fills it from the sales bronze already holds', () => {
    const dir = makeTempDir()
    try {
      const old = openDatabase({ dataDir: dir.path, attach: ['bronze'] })
      migrate(old, 'bronze', BRONZE_MIGRATIONS.slice(0, 1))
      const insert = old.prepare(`INSERT INTO bronze.iot_sales_raw (received_at, device_id, store_id, event_id, sale_ts_ms, dedupe_hash, product_id,
        price_minor, quantity, customer_id, order_id, payload) VALUES (?, ?, 'store_001', NULL, ?, ?, 1, 100, 1, NULL, NULL, '{}')`)
      insert.run('2025-05-01T10:00:00.000Z', 'a', 1000, 1)
      insert.run('2025-05-01T11:00:00.000Z', 'a', 3000, 2)
      insert.run('2025-05-01T10:30:00.000Z', 'a', 2000, 3)
      insert.run('2025-05-01T09:00:00.000Z', 'b', 500, 4)
      old.close()
      const db = openDatabase({ dataDir: dir.path, attach: ['bronze'] })
      migrate(db, 'bronze', BRONZE_MIGRATIONS)
      expect(db.prepare('SELECT * FROM bronze.device_activity ORDER BY device_id').all()).toEqual([
        { device_id: 'a', store_id: 'store_001', last_received_at: '2025-05-01T11:00:00.000Z', last_sale_ts_ms: 3000 },
        { device_id: 'b', store_id: 'store_001', last_received_at: '2025-05-01T09:00:00.000Z', last_sale_ts_ms: 500 },
      ])
      db.close()
    } finally {
      dir.remove()
    }
  })
})
