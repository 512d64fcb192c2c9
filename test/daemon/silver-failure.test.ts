import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { ExpectationConfig } from '../../src/config/schema.js'
import { createGateway, type Gateway } from '../../src/gateway.js'
import { DeviceRegistry } from '../../src/broker/device-registry.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import { testConfig } from '../helpers/test-config.js'
import { openMigrated } from '../../src/schemas.js'

describe('a fail expectation stops silver visibly, and a fixed rule restarts it', () => {
  const dir = makeTempDir()
  let gateway: Gateway | undefined
  afterEach(async () => {
    await gateway?.stop()
    gateway = undefined
  })

  const start = async (silver: { expectations: ExpectationConfig[] }): Promise<{ gateway: Gateway; mqttPort: number }> => {
    const config = testConfig(dir.path, { silver } as Parameters<typeof testConfig>[1])
    gateway = createGateway({
      config,
      logger: pino({ level: 'silent' }),
      onFatal: (error) => {
        throw error
      },
    })
    const addresses = await gateway.start()
    return { gateway, mqttPort: addresses.mqtt.port }
  }

  it('the very first sale of a batch failing shows in readyz and metrics; a restart with the rule changed goes on', async () => {
    const db = openMigrated(dir.path, { attach: [] })
    const device = new DeviceRegistry(db).add('abc123', 'store_001')
    db.close()
    const first = await start({ expectations: [{ rule: 'known_store', action: 'fail' }] })
    const client = await connectDevice(`mqtt://127.0.0.1:${first.mqttPort}`, device)
    await client.publishAsync(topicOf(device), JSON.stringify(seedSale()), { qos: 1 })
    await client.endAsync()
    await expect.poll(() => first.gateway.pipeline.silver.failure?.rule, { timeout: 30_000 }).toBe('known_store')
    const ready = await first.gateway.http.inject('/readyz')
    expect(ready.statusCode).toBe(503)
    expect(ready.json().reasons).toEqual(['silver is stopped by expectation known_store'])
    await first.gateway.stop()
    gateway = undefined

    const second = await start({ expectations: [{ rule: 'known_store', action: 'warn' }] })
    await expect.poll(() => second.gateway.pipeline.silver.watermark, { timeout: 30_000 }).toBe(1)
    expect(second.gateway.pipeline.silver.failure).toBeNull()
    expect((await second.gateway.http.inject('/readyz')).statusCode).toBe(200)
  })
})
