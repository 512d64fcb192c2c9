import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import type { RejectNotice, RejectSummary } from '../../src/contract/reject-notice.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'

const execFileAsync = promisify(execFile)

/** A device's own notices, as it receives them (mqtt.js, subscribed to its rejects topic). */
class NoticeInbox {
  readonly received: (RejectNotice | RejectSummary)[] = []
  constructor(client: MqttClient) {
    client.on('message', (topic, payload) => this.received.push(JSON.parse(payload.toString('utf8')) as RejectNotice))
  }
  async waitFor(count: number): Promise<(RejectNotice | RejectSummary)[]> {
    await expect.poll(() => this.received.length, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(count)
    return this.received.splice(0)
  }
}

describe('refusal notices: a device learns on its own rejects topic what was refused and why', () => {
  let gw: RunningGateway
  let till: IssuedDevice
  let other: IssuedDevice
  let client: MqttClient
  let inbox: NoticeInbox
  const rejectsOf = (device: IssuedDevice): string => `stores/${device.storeId}/devices/${device.deviceId}/rejects`
  const metric = async (outcome: string): Promise<number> => {
    const response = await gw.gateway.http.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer admin-token-0123456789' } })
    return Number(new RegExp(`^medallion_mqtt_reject_notices_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(response.body)?.[1] ?? 0)
  }

  beforeAll(async () => {
    // Many a second, so that the kinds below, sent one after the other, are each told (the flood test lowers it).
    gw = await startGateway({
      mqtt: { maxPayloadBytes: 16 * 1024, maxBatchItems: 50, perDevice: { rejectNoticesPerSecond: 1000 } },
      http: { tokens: { admin: 'admin-token-0123456789' } },
    })
    till = gw.addDevice('till-1')
    other = gw.addDevice('till-2')
    client = await connectDevice(gw.url, till)
    inbox = new NoticeInbox(client)
    expect((await client.subscribeAsync(rejectsOf(till), { qos: 1 }))[0]!.qos).toBe(1)
  })
  afterAll(async () => {
    await client.endAsync()
    await gw.stop()
  })

  const send = (payload: string | Buffer): Promise<unknown> => client.publishAsync(topicOf(till), payload, { qos: 1 })
  const sale = (overrides: Record<string, unknown> = {}): Record<string, unknown> => seedSale({ device_id: 'till-1', ...overrides })

  it.each([
    ['invalid_json', '{"event_id": "e-1", price: 1}', null, null],
    ['invalid_utf8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), null, null],
    ['invalid_type', JSON.stringify(sale({ event_id: 'e-type', price: 'cheap' })), 'e-type', 'price'],
    ['device_mismatch', JSON.stringify(sale({ event_id: 'e-dev', device_id: 'someone-else' })), 'e-dev', 'device_id'],
    ['store_mismatch', JSON.stringify(sale({ event_id: 'e-store', store_id: 'store_999' })), 'e-store', 'store_id'],
    ['invalid_timestamp', JSON.stringify(sale({ event_id: 'e-ts', timestamp: 'yesterday' })), 'e-ts', 'timestamp'],
    ['price_precision', JSON.stringify(sale({ event_id: 'e-cents', price: 1.234 })), 'e-cents', 'price'],
    ['negative_price', JSON.stringify(sale({ event_id: 'e-neg', price: -1 })), 'e-neg', 'price'],
    ['missing_field', JSON.stringify({ event_id: 'e-missing', device_id: 'till-1', store_id: 'store_001' }), 'e-missing', expect.any(String)],
    ['invalid_shape', '[]', null, null],
    ['batch_too_large', JSON.stringify(Array.from({ length: 51 }, () => ({}))), null, null],
    ['payload_too_large', JSON.stringify(sale({ event_id: 'e-big', padding: 'x'.repeat(20_000) })), null, null],
  ] as const)('%s', async (reason, payload, eventId, field) => {
    await send(payload as string | Buffer)
    const [notice] = await inbox.waitFor(1)
    expect(notice).toEqual({
      event_id: eventId,
      reason,
      detail: expect.any(String),
      topic: topicOf(till),
      received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      item_index: null,
      field: field ?? expect.toSatisfy((value: unknown) => value === null || typeof value === 'string'),
    })
  })

  it('an array with good and bad items: a notice for each bad one, with its index; the good ones are stored and nothing else is said', async () => {
    const good = sale({ event_id: 'e-good' })
    await send(JSON.stringify([sale({ event_id: 'e-bad-1', quantity: 0 }), good, sale({ event_id: 'e-bad-2', product_id: 1.5 })]))
    const notices = await inbox.waitFor(2)
    expect(notices.map((notice) => [notice.event_id, notice.reason, notice.item_index])).toEqual([
      ['e-bad-1', 'invalid_value', 0],
      ['e-bad-2', 'invalid_value', 2],
    ])
    expect(gw.bronze().sales.map((row) => row.event_id)).toContain('e-good')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(inbox.received).toEqual([])
  })

  it('a flood (one array of 50 bad items) is told 10 one by one, then one summary counts the other 40 by reason', async () => {
    const perDevice = { ...gw.config.mqtt.perDevice, rejectNoticesPerSecond: 10 }
    gw.gateway.reload({ ...gw.config, mqtt: { ...gw.config.mqtt, perDevice } }, ['mqtt.perDevice.rejectNoticesPerSecond'])
    // A second of its own: the notices of the tests before count against the second they fell in.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await send(JSON.stringify(Array.from({ length: 50 }, (_, i) => sale({ event_id: `flood-${i}`, price: i % 2 === 0 ? 'x' : -1 }))))
    const notices = await inbox.waitFor(11)
    const oneByOne = notices.filter((notice) => notice.reason !== 'summary')
    expect(oneByOne.map((notice) => notice.event_id)).toEqual(Array.from({ length: 10 }, (_, i) => `flood-${i}`))
    const summary = notices.at(-1) as RejectSummary
    expect(summary).toMatchObject({
      event_id: null,
      reason: 'summary',
      suppressed: 40,
      reasons: { invalid_type: 20, negative_price: 20 },
      topic: topicOf(till),
    })
    expect(summary.detail).toMatch(/^40 more refused messages or items in 1 s/)
    expect(notices).toHaveLength(11)
  })

  it("a device cannot subscribe to another device's notices, nor to every device's", async () => {
    const spy = await connectDevice(gw.url, other)
    try {
      const heard: string[] = []
      spy.on('message', (topic) => heard.push(topic))
      // SUBACK 0x80: mqtt.js rejects the subscription.
      await expect(spy.subscribeAsync(rejectsOf(till), { qos: 1 })).rejects.toThrow(/Subscribe error/)
      await expect(spy.subscribeAsync('stores/+/devices/+/rejects', { qos: 1 })).rejects.toThrow(/Subscribe error/)
      await send('not json')
      await inbox.waitFor(1)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(heard).toEqual([])
    } finally {
      await spy.endAsync()
    }
  })

  it("the docs' recipe with Debian's tools: mosquitto_sub as the device's watcher hears why mosquitto_pub's sale was refused; the watcher may not publish", async () => {
    const device = gw.addDevice('till-3')
    const login = ['-h', '127.0.0.1', '-p', String(gw.port), '-q', '1', '-u', device.deviceId, '-P', device.token]
    // stdbuf: mosquitto_sub's debug lines (the SUBACK) come at once, not when it exits.
    const watcher = spawn('stdbuf', ['-oL', 'mosquitto_sub', ...login, '-i', 'till-3/watch', '-t', rejectsOf(device), '-C', '1', '-W', '60', '-d'])
    let output = ''
    watcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
    // 'close', not 'exit': its last lines are read by then.
    const exited = new Promise<number | null>((resolve) => watcher.once('close', resolve))
    await expect.poll(() => output, { timeout: 30_000 }).toMatch(/received SUBACK/)
    const bad = JSON.stringify(seedSale({ device_id: 'till-3', event_id: 'cli-1', price: 2.345 }))
    await execFileAsync('mosquitto_pub', [...login, '-i', 'till-3', '-t', topicOf(device), '-m', bad])
    expect(await exited).toBe(0)
    const notice = JSON.parse(output.split('\n').find((line) => line.startsWith('{'))!) as RejectNotice
    expect(notice).toMatchObject({ event_id: 'cli-1', reason: 'price_precision', field: 'price', topic: topicOf(device) })

    // The watcher's connection is for listening: a publish from it closes it and stores nothing.
    const sale = seedSale({ device_id: 'till-3', event_id: 'from-the-watcher' })
    await execFileAsync('mosquitto_pub', [...login, '-i', 'till-3/watch', '-t', topicOf(device), '-m', JSON.stringify(sale)]).catch(() => undefined)
    expect(gw.bronze().sales.map((row) => row.event_id)).not.toContain('from-the-watcher')
  })

  it('MQTT 5 is not spoken yet: a v5 CONNECT is refused cleanly (unacceptable protocol version), and the broker goes on', async () => {
    await expect(connectDevice(gw.url, other, { protocolVersion: 5 })).rejects.toThrow(/protocol/i)
    const v4 = await connectDevice(gw.url, other)
    await v4.endAsync()
  })

  it('a device that does not subscribe is told nothing: its refusals are counted as unheard, nothing is published', async () => {
    const quiet = await connectDevice(gw.url, other)
    try {
      const [sent, unheard] = [await metric('sent'), await metric('unheard')]
      await quiet.publishAsync(topicOf(other), 'not json', { qos: 1 })
      expect(await metric('unheard')).toBe(unheard + 1)
      expect(await metric('sent')).toBe(sent)
    } finally {
      await quiet.endAsync()
    }
  })
})
