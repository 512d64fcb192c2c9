import { isUtf8 } from 'node:buffer'
import { parseDeviceTopic, type DeviceTopic } from '../contract/device-topic.js'
import { rejection, type Rejection } from './reject-reason.js'
import { MAX_TEXT_ID_LENGTH } from './event-envelope.js'
import { EVENT_KINDS_IN, type BronzeEvent } from './event-kinds.js'

export interface MessageLimits {
  maxPayloadBytes: number
  maxBatchItems: number
  minorUnitDigits: number
}

/** A refused message or item, with what to keep of it. */
export interface RejectedItem extends Rejection {
  /** Position in an array payload; null when the whole message is refused. */
  itemIndex: number | null
  payload: string | Uint8Array | null
  /** Its `event_id` when it had a string one (for the device's notice), else null. */
  eventId: string | null
}

export interface MessageVerdict {
  events: BronzeEvent[]
  rejects: RejectedItem[]
}

/**
 * Turns one MQTT message on a device's event topic (sales or inventory) into per-item verdicts
 * (docs/bronze.md, "The path of a message"): a single object or an array of up to `maxBatchItems`;
 * good items are kept even when others in the array are bad. `payload` may be a prefix of the
 * message when `payloadBytes` says it was larger than `maxPayloadBytes` (the broker does not copy
 * what will not be stored).
 */
export function parseEventMessage(topic: string, payload: Uint8Array, payloadBytes: number, limits: MessageLimits): MessageVerdict {
  const wholeMessage = (reason: Rejection, kept: string | Uint8Array = payload, eventId: string | null = null): MessageVerdict => ({
    events: [],
    rejects: [{ ...reason, itemIndex: null, payload: kept, eventId }],
  })

  if (payloadBytes > limits.maxPayloadBytes) {
    return wholeMessage(rejection('payload_too_large', `payload of ${payloadBytes} bytes exceeds the limit of ${limits.maxPayloadBytes}`))
  }
  const owner = topicOwners.get(topic)
  if (owner === undefined) {
    return wholeMessage(rejection('invalid_topic', 'topic is not stores/{store_id}/devices/{device_id}/sales or .../inventory'))
  }
  const { validate, noun } = EVENT_KINDS_IN[owner.kind]
  if (!isUtf8(payload)) return wholeMessage(rejection('invalid_utf8', 'payload is not valid UTF-8'))
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')

  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return wholeMessage(rejection('invalid_json', `payload is not JSON: ${(error as Error).message}`), text)
  }

  if (!Array.isArray(parsed)) {
    const verdict = validate(parsed, owner, limits.minorUnitDigits, text)
    if (!isEvent(verdict)) return wholeMessage(verdict, text, eventIdOf(parsed))
    return { events: [verdict], rejects: [] }
  }

  if (parsed.length === 0) return wholeMessage(rejection('invalid_shape', `an array payload must hold at least one ${noun}`), text)
  if (parsed.length > limits.maxBatchItems) {
    return wholeMessage(rejection('batch_too_large', `array of ${parsed.length} items exceeds the limit of ${limits.maxBatchItems}`), text)
  }
  const verdict: MessageVerdict = { events: [], rejects: [] }
  for (let index = 0; index < parsed.length; index++) {
    const item: unknown = parsed[index]
    const itemText = stringifyItem(item)
    if (itemText === undefined) {
      verdict.rejects.push({ ...rejection('invalid_shape', 'item is nested too deeply to store'), itemIndex: index, payload: null, eventId: eventIdOf(item) })
      continue
    }
    const event = validate(item, owner, limits.minorUnitDigits, itemText)
    if (isEvent(event)) verdict.events.push(event)
    else verdict.rejects.push({ ...event, itemIndex: index, payload: itemText, eventId: eventIdOf(item) })
  }
  return verdict
}

/** Topics repeat (one per device): parse each once. Bounded, since any client may send any topic. */
class TopicOwnerCache {
  private readonly owners = new Map<string, DeviceTopic | undefined>()

  get(topic: string): DeviceTopic | undefined {
    if (this.owners.has(topic)) return this.owners.get(topic)
    if (this.owners.size >= 10_000) this.owners.clear()
    const owner = parseDeviceTopic(topic)
    this.owners.set(topic, owner)
    return owner
  }
}

const topicOwners = new TopicOwnerCache()

/** The device, store and kind of an event topic (undefined: not one), parsed once per topic. */
export function eventTopicOwner(topic: string): DeviceTopic | undefined {
  return topicOwners.get(topic)
}

/** A validated event (it names its table), not a refusal. */
function isEvent(verdict: BronzeEvent | Rejection): verdict is BronzeEvent {
  return 'table' in verdict
}

/** A refused item's `event_id`, when it is a string a device could match. */
function eventIdOf(item: unknown): string | null {
  const eventId = typeof item === 'object' && item !== null ? (item as { event_id?: unknown }).event_id : undefined
  return typeof eventId === 'string' && eventId.length <= MAX_TEXT_ID_LENGTH ? eventId : null
}

/** JSON text of one array item; undefined when it is nested too deeply for V8's recursive stringify. */
function stringifyItem(item: unknown): string | undefined {
  try {
    return JSON.stringify(item)
  } catch {
    return undefined
  }
}
