import type { Client } from 'aedes'

interface MqttPacketParser {
  packet: { length: number }
  parse(buffer: Buffer): number
  _parseLength(): boolean
  _emitError(error: Error): void
}

const parserOf = (client: Client): MqttPacketParser => (client as unknown as { _parser: MqttPacketParser })._parser

/**
 * Bounds the memory of packets not yet received whole, per packet and over all connections.
 *
 * MQTT 3.1.1 allows packets of 256 MB [MQTT-2.2.3], and neither aedes nor mqtt-packet has a
 * limit: the parser buffers a whole packet before anyone sees it, so 40 connections trickling
 * 15 MiB packets held 600 MiB (and the heap never gave it back). Per packet: the remaining length
 * is known after the fixed header, so the parser's length step is wrapped and a packet announcing
 * more than `maxPacketBytes` closes its connection before it is buffered. In total: `parse()`
 * returns what the parser still holds of an unfinished packet; that is accounted per connection,
 * and beyond `maxBufferedBytes` the connections holding most are closed. aedes creates a parser
 * per client as `_parser`; test/broker/packet-size-limit.test.ts and fair-sharing.test.ts fail if
 * an aedes upgrade moves these internals.
 */
export class PacketBuffers {
  private readonly held = new Map<Client, number>()
  private total = 0
  /** Connections closed for holding the most when the total went over the bound. */
  closed = 0

  /** maxBufferedBytes may change on a config reload. */
  constructor(
    private readonly maxPacketBytes: number,
    public maxBufferedBytes: number,
  ) {}

  get heldBytes(): number {
    return this.total
  }

  watch(client: Client): void {
    const parser = parserOf(client)
    const { maxPacketBytes } = this
    const parseLength = parser._parseLength
    parser._parseLength = function parseLengthWithLimit(this: MqttPacketParser) {
      const complete = parseLength.call(this)
      if (complete && this.packet.length > maxPacketBytes) {
        this._emitError(new Error(`packet of ${this.packet.length} bytes exceeds the limit of ${maxPacketBytes}`))
        return false
      }
      return complete
    }
    const parse = parser.parse
    parser.parse = (buffer: Buffer): number => {
      const left = parse.call(parser, buffer)
      this.account(client, left)
      return left
    }
    client.conn.once('close', () => this.account(client, 0))
  }

  private account(client: Client, bytes: number): void {
    this.total += bytes - (this.held.get(client) ?? 0)
    if (bytes === 0) this.held.delete(client)
    else this.held.set(client, bytes)
    while (this.total > this.maxBufferedBytes) {
      let largest: Client | undefined
      let most = 0
      for (const [holder, count] of this.held) {
        if (count > most) [largest, most] = [holder, count]
      }
      if (largest === undefined) return
      this.closed++
      this.account(largest, 0)
      largest.conn.destroy()
    }
  }
}
