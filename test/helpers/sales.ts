import { randomUUID } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { salesTopic } from '../../src/contract/device-topic.js'

/** The seed's example sale (device abc123, product 101 at 15.5, store_001, customer 1001). */
export function seedSale(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: randomUUID(),
    device_id: 'abc123',
    timestamp: '2025-05-01T10:15:00Z',
    product_id: 101,
    price: 15.5,
    quantity: 1,
    store_id: 'store_001',
    customer_id: 1001,
    ...overrides,
  }
}

export function topicOf(device: { deviceId: string; storeId: string }): string {
  return salesTopic(device)
}

/** A device connected with its token over the `mqtt` package; no reconnects. */
export function connectDevice(url: string, device: IssuedDevice, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId: device.deviceId,
    username: device.deviceId,
    password: device.token,
    reconnectPeriod: 0,
    ...extra,
  })
}
