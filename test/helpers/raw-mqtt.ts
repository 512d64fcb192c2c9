import mqttPacket, { type Packet } from 'mqtt-packet'
import { connect, type Socket } from 'node:net'

/**
 * A bare MQTT 3.1.1 client on a socket (mqtt-packet), for what the `mqtt` package hides:
 * exact packet ids, DUP redelivery after a dropped connection, oversized packets.
 */
export class RawMqttClient {
  readonly received: Packet[] = []
  private waiters: { match: (packet: Packet) => boolean; resolve: (packet: Packet) => void; reject: (error: Error) => void }[] = []
  private closedPromise: Promise<void>

  private constructor(readonly socket: Socket) {
    const parser = mqttPacket.parser({ protocolVersion: 4 })
    parser.on('packet', (packet: Packet) => {
      this.received.push(packet)
      const waiter = this.waiters.find((w) => w.match(packet))
      if (waiter) {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        waiter.resolve(packet)
      }
    })
    socket.on('data', (chunk) => parser.parse(chunk))
    socket.on('error', () => {})
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        for (const waiter of this.waiters) waiter.reject(new Error('connection closed'))
        this.waiters = []
        resolve()
      }),
    )
  }

  static async connect(
    port: number,
    options: { clientId?: string; username?: string; password?: string },
  ): Promise<{ client: RawMqttClient; returnCode: number }> {
    const socket = connect({ host: '127.0.0.1', port })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const client = new RawMqttClient(socket)
    client.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      // A device must use its id as client id; anonymous probes get a random one.
      clientId: options.clientId ?? options.username ?? `anon-${Math.random().toString(36).slice(2)}`,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: Buffer.from(options.password) }),
    })
    const connack = await client.waitFor((p) => p.cmd === 'connack')
    return { client, returnCode: (connack as mqttPacket.IConnackPacket).returnCode ?? 0 }
  }

  send(packet: Packet): boolean {
    return this.socket.write(mqttPacket.generate(packet))
  }

  publish(topic: string, payload: Buffer | string, qos: 0 | 1 | 2, messageId?: number, dup = false): void {
    this.send({ cmd: 'publish', topic, payload, qos, messageId, dup, retain: false })
  }

  waitFor(match: (packet: Packet) => boolean, timeoutMs = 10_000): Promise<Packet> {
    const seen = this.received.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching packet within ${timeoutMs} ms`)), timeoutMs)
      this.waiters.push({
        match,
        resolve: (packet) => {
          clearTimeout(timer)
          resolve(packet)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
    })
  }

  waitForAck(messageId: number, cmd: 'puback' | 'pubrec' = 'puback'): Promise<Packet> {
    return this.waitFor((p) => p.cmd === cmd && (p as { messageId?: number }).messageId === messageId)
  }

  /** Resolves when the server (or we) closed the connection. */
  closed(): Promise<void> {
    return this.closedPromise
  }

  destroy(): void {
    this.socket.destroy()
  }
}
