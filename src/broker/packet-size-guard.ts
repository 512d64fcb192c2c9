import type { Client } from 'aedes'

interface MqttPacketParser {
  packet: { length: number }
  _parseLength(): boolean
  _emitError(error: Error): void
}

/**
 * Closes a connection as soon as a packet header announces more than `maxPacketBytes`.
 *
 * MQTT 3.1.1 allows packets of 256 MB [MQTT-2.2.3], and neither aedes nor mqtt-packet has a
 * limit: the parser buffers a whole packet before anyone sees it. The remaining length is known
 * after the fixed header, so this wraps the parser's length step of this one connection (aedes
 * creates a parser per client as `_parser`). The parser error makes aedes close the connection.
 * test/broker/packet-size-limit.test.ts fails if an aedes upgrade moves these internals.
 */
export function guardPacketSize(client: Client, maxPacketBytes: number): void {
  const parser = (client as unknown as { _parser: MqttPacketParser })._parser
  const parseLength = parser._parseLength
  parser._parseLength = function parseLengthWithLimit(this: MqttPacketParser) {
    const complete = parseLength.call(this)
    if (complete && this.packet.length > maxPacketBytes) {
      this._emitError(new Error(`packet of ${this.packet.length} bytes exceeds the limit of ${maxPacketBytes}`))
      return false
    }
    return complete
  }
}
