import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { startGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'

const STAFF = 'staff-token-0123456789'
const hasPromtool = spawnSync('promtool', ['--version']).status === 0

describe('/metrics as Prometheus checks it', () => {
  // npm test installs Debian's prometheus (promtool) when it is missing and it runs as root.
  it.skipIf(!hasPromtool)('promtool check metrics finds nothing to say on a live daemon with sales, rejects and a device', async () => {
    const gw = await startGateway({ http: { tokens: { staff: STAFF } } })
    try {
      const device = gw.addDevice('till-1')
      const client = await connectDevice(gw.url, device)
      await client.publishAsync(topicOf(device), JSON.stringify(seedSale({ device_id: 'till-1', timestamp: new Date().toISOString() })), { qos: 1 })
      await client.publishAsync(topicOf(device), 'not json', { qos: 1 })
      await client.endAsync()
      const text = await (await fetch(`http://127.0.0.1:${gw.addresses.http.port}/metrics`, { headers: { authorization: `Bearer ${STAFF}` } })).text()
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
      expect({ status: check.status, stdout: check.stdout, stderr: check.stderr }).toEqual({ status: 0, stdout: '', stderr: '' })
      // Counters are typed as counters, and the per-device gauge is there.
      expect(text).toMatch(/# TYPE medallion_ingest_sales_total counter/)
      expect(text).toMatch(/medallion_ingest_rejects_total\{reason="invalid_json"\} 1/)
      expect(text).toMatch(/medallion_device_last_sale_timestamp_seconds\{device_id="till-1",store_id="store_001"\} \d+/)
      expect(text).not.toMatch(/\bNaN\b/)
    } finally {
      await gw.stop()
    }
  })
})
