import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../src/config/load.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const dir = makeTempDir()
afterAll(() => dir.remove())

function configFile(name: string, content: unknown): string {
  const file = join(dir.path, name)
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

describe('loadConfig', () => {
  it('loads the embedded default: a demo that runs on a fresh machine', () => {
    const { config, source } = loadConfig(undefined, {}, '/srv/app')
    expect(source).toBe(DEFAULT_CONFIG_PATH)
    expect(config.dataDir).toBe('/srv/app/data')
    expect(config.mqtt).toMatchObject({ port: 1883, allowAnonymous: 'loopback', maxPayloadBytes: 262144 })
    expect(config.http.port).toBe(8080)
    expect(config.storage.synchronous).toBe('FULL')
    expect(Object.isFrozen(config.mqtt)).toBe(true)
  })

  it('fills defaults for what a file leaves out', () => {
    const { config } = loadConfig(configFile('minimal.json', { storeId: 'store_042' }), {}, '/x')
    expect(config.storeId).toBe('store_042')
    expect(config.mqtt.allowAnonymous).toBe(false)
    expect(config.currency.minorUnitDigits).toBe(2)
  })

  it('names an unknown key', () => {
    expect(() => loadConfig(configFile('unknown.json', { mqtt: { port: 1883, prot: 1 } }), {})).toThrow(/mqtt\.prot: unknown key/)
  })

  it('names a bad value', () => {
    expect(() => loadConfig(configFile('bad.json', { mqtt: { port: 70000 } }), {})).toThrow(/mqtt\.port: .*65535/)
    expect(() => loadConfig(configFile('bad2.json', { bronze: { synchronous: 'OFF' } }), {})).toThrow(/bronze\.synchronous/)
    expect(() => loadConfig(configFile('bad3.json', { storeId: 'store/1' }), {})).toThrow(/storeId: must be 1-64 characters/)
  })

  it('names a bad cron expression, a bad time zone and a bad expectation', () => {
    expect(() => loadConfig(configFile('cron.json', { schedule: { goldRefresh: '61 * * * *' } }), {})).toThrow(
      /schedule\.goldRefresh: must be a 5-field cron expression/,
    )
    expect(() => loadConfig(configFile('cron6.json', { schedule: { dimsSync: '0 */15 * * * *' } }), {})).toThrow(/schedule\.dimsSync: must be a 5-field cron/)
    expect(() => loadConfig(configFile('tz.json', { timezone: 'Mars/Olympus' }), {})).toThrow(/timezone: must be an IANA time zone/)
    expect(() => loadConfig(configFile('rule.json', { silver: { expectations: [{ rule: 'price_range', action: 'explode', max: 1 }] } }), {})).toThrow(
      /silver\.expectations\.0\.action/,
    )
    expect(() => loadConfig(configFile('limits.json', { mqtt: { maxPayloadBytes: 65536, maxPacketBytes: 4096 } }), {})).toThrow(
      /mqtt\.maxPacketBytes: maxPacketBytes must be larger than maxPayloadBytes/,
    )
  })

  it('names every wrong key in one message', () => {
    expect(() => loadConfig(configFile('two.json', { mqtt: { port: -1 }, nope: true }), {})).toThrow(
      /mqtt\.port: .*; nope: unknown key|nope: unknown key; mqtt\.port/,
    )
  })

  it('says when the file is missing or not JSON', () => {
    expect(() => loadConfig(join(dir.path, 'missing.json'), {})).toThrow(/cannot read/)
    expect(() => loadConfig(configFile('broken.json', '{"mqtt": '), {})).toThrow(/not valid JSON/)
    expect(() => loadConfig(configFile('array.json', '[]'), {})).toThrow(/top level must be a JSON object/)
  })

  it('takes MEDALLION_EDGE_CONFIG and the environment overrides', () => {
    const file = configFile('env.json', { dataDir: '/from/file' })
    const { config, source } = loadConfig(undefined, {
      MEDALLION_EDGE_CONFIG: file,
      MEDALLION_EDGE_DATA_DIR: '/from/env',
      MEDALLION_EDGE_MQTT_PORT: '11883',
      MEDALLION_EDGE_HTTP_PORT: '18080',
    })
    expect(source).toBe(file)
    expect(config.dataDir).toBe('/from/env')
    expect(config.mqtt.port).toBe(11883)
    expect(config.http.port).toBe(18080)
  })

  it('names a bad environment override', () => {
    expect(() => loadConfig(undefined, { MEDALLION_EDGE_MQTT_PORT: 'abc' })).toThrow(/MEDALLION_EDGE_MQTT_PORT: expected a port number/)
  })
})
