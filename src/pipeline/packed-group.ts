import type { IncomingMessage } from '../bronze/bronze-store.js'

/**
 * A group of messages packed for postMessage: the payloads in one transferred buffer (so no
 * payload is cloned, and no 64 KiB socket chunk behind a payload slice is copied with it).
 */
export interface PackedGroup {
  id: number
  topics: string[]
  clientIds: (string | null)[]
  receivedAtMs: Float64Array
  payloadBytes: Float64Array
  /** Message i's payload is `bytes[offsets[i]..offsets[i + 1]]`. */
  offsets: Uint32Array<ArrayBuffer>
  bytes: Uint8Array<ArrayBuffer>
}

export function unpackGroup(group: PackedGroup): IncomingMessage[] {
  const messages: IncomingMessage[] = new Array(group.topics.length)
  for (let i = 0; i < group.topics.length; i++) {
    messages[i] = {
      topic: group.topics[i]!,
      clientId: group.clientIds[i]!,
      payload: group.bytes.subarray(group.offsets[i]!, group.offsets[i + 1]!),
      payloadBytes: group.payloadBytes[i]!,
      receivedAtMs: group.receivedAtMs[i]!,
    }
  }
  return messages
}
