// A load generator that is not the bottleneck: pre-encoded MQTT 3.1.1 PUBLISH packets (QoS 1)
// written in batches on raw sockets, PUBACKs parsed by hand. Each message is a copy of a template
// with its packet id, event_id (a random UUID) and timestamp (the current millisecond) patched
// in, so every sale is new and time-ordered as real devices send them. A connection publishes for
// one device, or, as a concentrator (a test bench, a hub in front of tills), for several devices in
// turn, one message each. Runs as its own process; prints one JSON line of results, including its
// own CPU use.
import { randomUUID } from 'node:crypto'
import mqttPacket from 'mqtt-packet'
import { connect, type Socket } from 'node:net'
import { LatencyHistogram } from '../lib/histogram.js'

export interface PublisherConnection {
  clientId: string
  deviceId: string
  /**
   * A concentrator: the connection publishes for these devices in turn, one message each (topic
   * and payload `device_id` of the same device), instead of for `deviceId` alone.
   */
  deviceIds?: readonly string[]
  storeId: string
  username?: string
  password?: string
}

export interface PublisherOptions {
  port: number
  connections: PublisherConnection[]
  /** Unacked messages per connection. */
  window: number
  durationS: number
  /** Seconds at the start left out of rate and latency. */
  warmupS: number
  /** Total messages per second; 0 = as fast as acks allow. */
  ratePerS: number
}

export interface PublisherResult {
  acked: number
  measuredS: number
  ackedPerS: number
  ackP50Ms: number | null
  ackP99Ms: number | null
  /** Share of one core this generator used while measuring. */
  generatorCpu: number
  errors: string[]
}

const EVENT_ID = '00000000-0000-4000-8000-000000000000'
const TIMESTAMP = '2026-01-01T00:00:00.000Z'

class Template {
  readonly bytes: Buffer
  readonly packetIdAt: number
  readonly eventIdAt: number
  readonly timestampAt: number

  constructor(storeId: string, deviceId: string) {
    const payload = JSON.stringify({
      event_id: EVENT_ID,
      device_id: deviceId,
      timestamp: TIMESTAMP,
      product_id: 101,
      price: 15.5,
      quantity: 1,
      store_id: storeId,
      customer_id: 1001,
      order_id: 'bench-order-0001',
    })
    const topic = `stores/${storeId}/devices/${deviceId}/sales`
    this.bytes = mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 1, messageId: 1, dup: false, retain: false })
    const payloadAt = this.bytes.length - Buffer.byteLength(payload)
    this.packetIdAt = payloadAt - 2
    this.eventIdAt = payloadAt + payload.indexOf(EVENT_ID)
    this.timestampAt = payloadAt + payload.indexOf(TIMESTAMP)
  }
}

class Connection {
  inFlight = 0
  acked = 0
  private nextId = 1
  private readonly sentAt = new Float64Array(65536)
  private pending = Buffer.alloc(0)
  /** The template (device) of the next message: a concentrator cycles through its devices. */
  private nextTemplate = 0

  constructor(
    readonly socket: Socket,
    private readonly templates: readonly Template[],
    private readonly onAck: (latencyMs: number) => void,
  ) {}

  /** Writes `count` new PUBLISH packets in one socket write. */
  send(count: number, now: number, isoNow: string): void {
    const templates = this.templates
    let size = 0
    for (let i = 0, t = this.nextTemplate; i < count; i++, t = t + 1 === templates.length ? 0 : t + 1) size += templates[t]!.bytes.length
    const out = Buffer.allocUnsafe(size)
    let at = 0
    for (let i = 0; i < count; i++) {
      const template = templates[this.nextTemplate]!
      this.nextTemplate = this.nextTemplate + 1 === templates.length ? 0 : this.nextTemplate + 1
      template.bytes.copy(out, at)
      const id = this.nextId
      this.nextId = id === 65535 ? 1 : id + 1
      out.writeUInt16BE(id, at + template.packetIdAt)
      out.write(randomUUID(), at + template.eventIdAt, 'latin1')
      out.write(isoNow, at + template.timestampAt, 'latin1')
      this.sentAt[id] = now
      at += template.bytes.length
    }
    this.inFlight += count
    this.socket.write(out)
  }

  /** Parses PUBACKs (and skips anything else) from a chunk. */
  receive(chunk: Buffer, now: number): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    let at = 0
    while (at + 2 <= data.length) {
      let length = 0
      let multiplier = 1
      let headerEnd = at + 1
      let complete = false
      while (headerEnd < data.length) {
        const byte = data[headerEnd++]!
        length += (byte & 0x7f) * multiplier
        multiplier *= 128
        if ((byte & 0x80) === 0) {
          complete = true
          break
        }
      }
      if (!complete || headerEnd + length > data.length) break
      if (data[at] === 0x40) {
        const id = data.readUInt16BE(headerEnd)
        this.inFlight--
        this.acked++
        this.onAck(now - this.sentAt[id]!)
      }
      at = headerEnd + length
    }
    this.pending = at < data.length ? Buffer.from(data.subarray(at)) : Buffer.alloc(0)
  }
}

async function open(port: number, conn: PublisherConnection): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.write(
    mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 0,
      clientId: conn.clientId,
      ...(conn.username ? { username: conn.username, password: Buffer.from(conn.password ?? '') } : {}),
    }),
  )
  const connack = await new Promise<Buffer>((resolve) => socket.once('data', resolve))
  if (connack[0] !== 0x20 || connack[3] !== 0) throw new Error(`${conn.clientId}: CONNACK refused (${connack[3]})`)
  return socket
}

export async function runPublisher(options: PublisherOptions): Promise<PublisherResult> {
  const histogram = new LatencyHistogram()
  let measuring = false
  const errors: string[] = []
  const connections = await Promise.all(
    options.connections.map(async (conn) => {
      const socket = await open(options.port, conn)
      const templates = (conn.deviceIds ?? [conn.deviceId]).map((deviceId) => new Template(conn.storeId, deviceId))
      return new Connection(socket, templates, (latency) => {
        if (measuring) histogram.record(latency)
      })
    }),
  )

  let lastMs = 0
  let iso = ''
  const isoNow = (): string => {
    const ms = Date.now()
    if (ms !== lastMs) {
      lastMs = ms
      iso = new Date(ms).toISOString()
    }
    return iso
  }

  const started = performance.now()
  const perConnectionRate = options.ratePerS / connections.length
  const sentBy = new Float64Array(connections.length)
  const refillBatch = Math.max(1, Math.floor(options.window / 4))
  let running = true
  const refill = (index: number): void => {
    const conn = connections[index]!
    let room = options.window - conn.inFlight
    if (options.ratePerS > 0) {
      const due = Math.floor(((performance.now() - started) / 1000) * perConnectionRate) - sentBy[index]!
      room = Math.min(room, due)
    }
    // Top up in batches of a quarter window: a loopback write costs ~10 us whatever its size.
    if (room >= refillBatch && running) {
      conn.send(room, performance.now(), isoNow())
      sentBy[index]! += room
    }
  }
  // Refill once per event-loop turn, after every socket's acks of that turn were read: one write
  // per connection per turn instead of one per ack chunk (socket writes were 58% of the CPU).
  const dirty = new Set<number>()
  let refillScheduled = false
  const refillDirty = (): void => {
    refillScheduled = false
    for (const index of dirty) refill(index)
    dirty.clear()
  }
  connections.forEach((conn, index) => {
    conn.socket.on('data', (chunk) => {
      conn.receive(chunk, performance.now())
      dirty.add(index)
      if (!refillScheduled) {
        refillScheduled = true
        setImmediate(refillDirty)
      }
    })
    conn.socket.on('error', (error) => errors.push(error.message))
    conn.socket.on('close', () => {
      if (running) errors.push(`connection ${index} closed by the broker`)
    })
  })
  const pacer = options.ratePerS > 0 ? setInterval(() => connections.forEach((_, i) => refill(i)), 1) : undefined
  connections.forEach((_, i) => refill(i))

  await new Promise((resolve) => setTimeout(resolve, options.warmupS * 1000))
  measuring = true
  const ackedAtStart = connections.reduce((sum, c) => sum + c.acked, 0)
  const cpuAtStart = process.cpuUsage()
  const measureStart = performance.now()
  await new Promise((resolve) => setTimeout(resolve, (options.durationS - options.warmupS) * 1000))
  const measuredS = (performance.now() - measureStart) / 1000
  const cpu = process.cpuUsage(cpuAtStart)
  const acked = connections.reduce((sum, c) => sum + c.acked, 0) - ackedAtStart
  measuring = false
  running = false
  if (pacer) clearInterval(pacer)
  for (const conn of connections) conn.socket.destroy()
  return {
    acked,
    measuredS,
    ackedPerS: Math.round(acked / measuredS),
    ackP50Ms: histogram.percentile(0.5),
    ackP99Ms: histogram.percentile(0.99),
    generatorCpu: (cpu.user + cpu.system) / 1e6 / measuredS,
    errors,
  }
}

// Child-process entry: options as JSON in argv[2], result as one JSON line on stdout.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  runPublisher(JSON.parse(process.argv[2]!) as PublisherOptions).then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + '\n')
      process.exit(0)
    },
    (error: unknown) => {
      process.stderr.write(String(error) + '\n')
      process.exit(1)
    },
  )
}
