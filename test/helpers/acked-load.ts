import mqtt, { type MqttClient } from 'mqtt'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { eventTopic, type EventKind } from '../../src/contract/device-topic.js'
import { seedSale } from './sales.js'

/** The next event a device publishes, with its event_id, and its topic's kind (default: sales): a sale by default. */
export type NextEvent = (device: IssuedDevice, timestamp: string) => { event: Record<string, unknown>; kind?: EventKind }

/**
 * Devices publishing QoS 1 sales (or what `nextEvent` makes) as fast as a window of unacked
 * messages allows, recording every event_id whose PUBACK arrived. `stop()` ends the publishing;
 * the record stays.
 */
export class AckedLoad {
  readonly acked = new Set<string>()
  /** The last acked sales of each device as sent, to replay. */
  readonly lastAcked = new Map<string, { topic: string; payload: string }[]>()
  sent = 0
  private running = true
  private clients: MqttClient[] = []

  /** `timestamp`: each sale's time (default: now). */
  private constructor(
    private readonly timestamp: () => string,
    private readonly nextEvent: NextEvent,
  ) {}

  static async start(
    port: number,
    devices: readonly IssuedDevice[],
    windowPerDevice = 100,
    timestamp = (): string => new Date().toISOString(),
    nextEvent: NextEvent = (device, at) => ({ event: seedSale({ device_id: device.deviceId, store_id: device.storeId, timestamp: at }) }),
  ): Promise<AckedLoad> {
    const load = new AckedLoad(timestamp, nextEvent)
    load.clients = await Promise.all(
      devices.map((device) =>
        mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
          clientId: device.deviceId,
          username: device.deviceId,
          password: device.token,
          reconnectPeriod: 0,
        }),
      ),
    )
    for (const [index, client] of load.clients.entries()) {
      client.on('error', () => {})
      const device = devices[index]!
      for (let i = 0; i < windowPerDevice; i++) load.publishNext(client, device)
    }
    return load
  }

  private publishNext(client: MqttClient, device: IssuedDevice): void {
    if (!this.running || !client.connected) return
    const { event: sale, kind = 'sales' } = this.nextEvent(device, this.timestamp())
    const payload = JSON.stringify(sale)
    this.sent++
    const topic = eventTopic(device, kind)
    client.publish(topic, payload, { qos: 1 }, (error) => {
      if (error) return
      this.acked.add(sale.event_id as string)
      const last = this.lastAcked.get(device.deviceId) ?? []
      last.push({ topic, payload })
      if (last.length > 50) last.shift()
      this.lastAcked.set(device.deviceId, last)
      this.publishNext(client, device)
    })
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.clients.map((client) => client.endAsync(true)))
  }
}
