import mqtt, { type MqttClient } from 'mqtt'
import { rejectsTopic, type RejectNotice, type RejectSummary } from '../contract/reject-notice.js'
import { eventTopic, salesTopic } from '../contract/device-topic.js'
import { BAD_MESSAGE_KINDS } from './bad-messages.js'
import { pick } from './random.js'
import { SaleGenerator, type SalePayload } from './sale-generator.js'
import { StockGenerator } from './stock-generator.js'

export interface SimulatedDevice {
  deviceId: string
  storeId: string
  /** Undefined: connect anonymously. */
  token?: string
}

export interface FleetOptions {
  url: string
  devices: readonly SimulatedDevice[]
  /** Messages per second over the whole fleet. */
  ratePerSecond: number
  durationS: number
  qos: 0 | 1 | 2
  /** Share of messages that resend an earlier sale (same event_id). */
  duplicateFraction: number
  /** Share of messages that are invalid on purpose. */
  badFraction: number
  /** Share of sale lines that are returns of an earlier sale of the till (default none). */
  returnFraction?: number
  /** Share of messages that void one of the till's recent lines (default none). */
  voidFraction?: number
  /**
   * Share of messages that are a handheld's inventory events (deliveries, shelf counts, write-offs),
   * after an opening stock-take of every product by each store's first device (default none).
   */
  inventoryFraction?: number
  /** Sales per message; above 1 a message is a JSON array (a device catching up). */
  batchSize: number
  minorUnitDigits: number
  random: () => number
  /** Unacked messages per device beyond which the device skips a send (counted as throttled). */
  maxInFlightPerDevice?: number
  /** How long to wait for outstanding acks after the duration. */
  settleMs?: number
  onProgress?: (progress: FleetProgress) => void
  /** A refusal notice the gateway sent a device (each registered device subscribes to its own). */
  onNotice?: (deviceId: string, notice: RejectNotice | RejectSummary) => void
}

export interface FleetProgress {
  elapsedS: number
  sent: number
  acked: number
}

export interface FleetSummary {
  devices: number
  durationS: number
  /** MQTT messages published. */
  sent: number
  /** Sale objects inside them (valid ones, including resent duplicates). */
  sales: number
  duplicatesSent: number
  badSent: number
  /** Return lines among the sales. */
  returnsSent: number
  /** Void messages. */
  voidsSent: number
  /** Inventory events (the opening stock-takes' counts included). */
  inventorySent: number
  acked: number
  unacked: number
  throttled: number
  errors: number
  ackedPerSecond: number
  ackLatencyP50Ms: number | null
  ackLatencyP99Ms: number | null
  /** Refusals the gateway told the devices about, by reason (a summary notice counts its refusals). */
  refusedByReason: Record<string, number>
}

interface DeviceState {
  device: SimulatedDevice
  /** This till's baskets: its own, so a basket's lines all leave this device. */
  till: SaleGenerator
  client: MqttClient
  topic: string
  inventoryTopic: string
  /** Its store's stock, when the fleet sends inventory events. */
  stock: StockGenerator | undefined
  inFlight: number
  recent: SalePayload[]
}

const TICK_MS = 10
/** How long to wait after the last ack for the refusal notices still coming (a summary comes a second late). */
const NOTICES_SETTLE_MS = 10_000

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

/**
 * A fleet of devices over real MQTT (the `mqtt` package): the demo and the load generator.
 * A 10 ms ticker keeps the total rate; devices take turns, a basket at a time: a till sends its
 * basket's lines one after another, so they are close together in time, and only then does the
 * next till take its turn (issue 20: lines dealt out to the devices one at a time made every
 * line an order of its own in gold).
 */
export async function runFleet(options: FleetOptions): Promise<FleetSummary> {
  const maxInFlight = options.maxInFlightPerDevice ?? 1000
  const latencies: number[] = []
  const summary = { sent: 0, sales: 0, duplicatesSent: 0, badSent: 0, returnsSent: 0, voidsSent: 0, inventorySent: 0, acked: 0, throttled: 0, errors: 0 }

  const refusedByReason: Record<string, number> = {}
  let told = 0
  const count = (reason: string, refusals: number): void => {
    refusedByReason[reason] = (refusedByReason[reason] ?? 0) + refusals
    told += refusals
  }
  const noticed = (deviceId: string, notice: RejectNotice | RejectSummary): void => {
    if (notice.reason === 'summary') for (const [reason, refusals] of Object.entries((notice as RejectSummary).reasons)) count(reason, refusals)
    else count(notice.reason, 1)
    options.onNotice?.(deviceId, notice)
  }
  const states = await Promise.all(
    options.devices.map((device) =>
      connectDevice(
        options.url,
        device,
        new SaleGenerator({ random: options.random, minorUnitDigits: options.minorUnitDigits, returnFraction: options.returnFraction }),
        noticed,
      ),
    ),
  )
  const inventoryFraction = options.inventoryFraction ?? 0
  if (inventoryFraction > 0) {
    const stores = new Map<string, StockGenerator>()
    for (const state of states) {
      const { deviceId, storeId } = state.device
      state.stock = stores.get(storeId)
      if (state.stock) continue
      // The store's first device takes stock before the first sale.
      state.stock = new StockGenerator(options.random)
      stores.set(storeId, state.stock)
      const counts = state.stock.stockTake(deviceId, storeId, new Date())
      await state.client.publishAsync(state.inventoryTopic, JSON.stringify(counts), { qos: options.qos })
      summary.sent++
      summary.acked++
      summary.inventorySent += counts.length
    }
  }
  const started = performance.now()
  let turn = 0

  /** Publishes the device's next message; false if the device is throttled (its basket waits for its next turn). */
  const publishOne = (state: DeviceState): boolean => {
    if (state.inFlight >= maxInFlight) {
      summary.throttled++
      return false
    }
    const { topic, payload, sales, duplicate, bad } = nextMessage(state)
    summary.sent++
    summary.sales += sales
    if (duplicate) summary.duplicatesSent++
    if (bad) summary.badSent++
    state.inFlight++
    const sentAt = performance.now()
    state.client.publish(topic, payload, { qos: options.qos }, (error) => {
      state.inFlight--
      if (error) {
        summary.errors++
        return
      }
      summary.acked++
      latencies.push(performance.now() - sentAt)
    })
    return true
  }

  const nextMessage = (state: DeviceState): { topic: string; payload: string; sales: number; duplicate: boolean; bad: boolean } => {
    const random = options.random
    const { deviceId, storeId } = state.device
    const { topic } = state
    if (random() < options.badFraction) {
      // A line of the basket the till got wrong: refused, so the stored basket is a line short.
      const kind = pick(random, BAD_MESSAGE_KINDS)
      return { topic, payload: kind.make(state.till.next(deviceId, storeId, new Date())), sales: 0, duplicate: false, bad: true }
    }
    if (state.recent.length > 0 && random() < options.duplicateFraction) {
      return { topic, payload: JSON.stringify(pick(random, state.recent)), sales: 1, duplicate: true, bad: false }
    }
    if (state.stock && random() < inventoryFraction) {
      summary.inventorySent++
      return { topic: state.inventoryTopic, payload: JSON.stringify(state.stock.next(deviceId, storeId, new Date())), sales: 0, duplicate: false, bad: false }
    }
    if (random() < (options.voidFraction ?? 0)) {
      const cancel = state.till.voidOfRecent(new Date(), storeId, deviceId)
      if (cancel !== undefined) {
        summary.voidsSent++
        return { topic, payload: JSON.stringify(cancel), sales: 0, duplicate: false, bad: false }
      }
    }
    const sales = Array.from({ length: options.batchSize }, () => state.till.next(deviceId, storeId, new Date()))
    for (const sale of sales) state.stock?.sold(sale.product_id, sale.quantity ?? 1)
    summary.returnsSent += sales.filter((sale) => (sale.quantity ?? 1) < 0).length
    state.recent.push(...sales)
    if (state.recent.length > 100) state.recent.splice(0, state.recent.length - 100)
    const payload = options.batchSize === 1 ? JSON.stringify(sales[0]) : JSON.stringify(sales)
    return { topic, payload, sales: sales.length, duplicate: false, bad: false }
  }

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsedS = (performance.now() - started) / 1000
      const due = Math.min(elapsedS, options.durationS) * options.ratePerSecond
      while (summary.sent + summary.throttled < Math.floor(due)) {
        const state = states[turn % states.length]!
        // The turn passes once the till's basket is complete, or at once if it is throttled, so a stuck device holds no one up.
        if (!publishOne(state) || !state.till.basketOpen) turn++
      }
      options.onProgress?.({ elapsedS, sent: summary.sent, acked: summary.acked })
      if (elapsedS >= options.durationS) {
        clearInterval(timer)
        resolve()
      }
    }, TICK_MS)
  })
  const elapsedS = (performance.now() - started) / 1000

  const settleUntil = performance.now() + (options.settleMs ?? 10_000)
  while (states.some((state) => state.inFlight > 0) && performance.now() < settleUntil) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  // Each bad message is refused once: wait (bounded) for the notices of the last ones, summaries included.
  const noticesUntil = performance.now() + NOTICES_SETTLE_MS
  while (options.devices.some((device) => device.token !== undefined) && told < summary.badSent && performance.now() < noticesUntil) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await Promise.all(states.map((state) => state.client.endAsync(true)))

  latencies.sort((a, b) => a - b)
  return {
    devices: options.devices.length,
    durationS: Math.round(elapsedS * 100) / 100,
    ...summary,
    unacked: summary.sent - summary.acked - summary.errors,
    ackedPerSecond: Math.round(summary.acked / elapsedS),
    ackLatencyP50Ms: percentile(latencies, 0.5),
    ackLatencyP99Ms: percentile(latencies, 0.99),
    refusedByReason,
  }
}

/** Connects a device; a registered one subscribes to its refusal notices first, as a careful device maker's would. */
async function connectDevice(
  url: string,
  device: SimulatedDevice,
  till: SaleGenerator,
  noticed: (deviceId: string, notice: RejectNotice | RejectSummary) => void,
): Promise<DeviceState> {
  const client = await mqtt.connectAsync(url, {
    clientId: device.deviceId,
    username: device.token === undefined ? undefined : device.deviceId,
    password: device.token,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  })
  if (device.token !== undefined) {
    const notices = rejectsTopic(device)
    client.on('message', (topic, payload) => {
      if (topic === notices) noticed(device.deviceId, JSON.parse(payload.toString('utf8')) as RejectNotice | RejectSummary)
    })
    await client.subscribeAsync(notices, { qos: 1 })
  }
  return { device, till, client, topic: salesTopic(device), inventoryTopic: eventTopic(device, 'inventory'), stock: undefined, inFlight: 0, recent: [] }
}
