import { randomUUID } from 'node:crypto'
import { DEMO_CUSTOMER_COUNT, DEMO_PRODUCTS, FIRST_DEMO_CUSTOMER_ID } from './catalog.js'
import { pick } from './random.js'

/** A sale as a device sends it (docs/bronze.md, "Validation and reject reasons"). */
export interface SalePayload {
  event_id?: string
  device_id: string
  timestamp: string
  product_id: number
  price: number
  quantity?: number
  store_id: string
  customer_id?: number | null
  order_id?: string
  /** A return (negative quantity): the sale it returns, and why. */
  refund_of?: string
  reason?: string
}

/** A void: cancels a line the device sent earlier (docs/bronze.md, "Returns and voids"). */
export interface VoidPayload {
  event_id: string
  device_id: string
  store_id: string
  timestamp: string
  void_of: string
}

const RETURN_REASONS = ['damaged', 'wrong size', 'changed mind'] as const
/** Sales a till remembers to return later. */
const REMEMBERED_SALES = 200

export interface SaleGeneratorOptions {
  random: () => number
  minorUnitDigits: number
  /** Event ids; default random UUIDs (as most devices send). */
  newId?: () => string
  /** Share of lines that are returns (of one of this till's earlier sales); default none. */
  returnFraction?: number
}

/**
 * One till's sales, as a till rings them up: whole baskets of 1-4 lines sharing an order_id, one
 * basket finished before the next is started, a third anonymous, mostly quantity 1. Gold counts
 * an order per (device_id, order_id) (docs/gold.md), so each device needs its own generator: one
 * generator shared by a fleet would deal a basket's lines out to several devices, and each line
 * would count as an order.
 */
export class SaleGenerator {
  private readonly newId: () => string
  private basket: { orderId: string; customerId: number | null; itemsLeft: number } | undefined
  /** This till's recent sale lines: what a return brings back. */
  private readonly sold: SalePayload[] = []

  constructor(private readonly options: SaleGeneratorOptions) {
    this.newId = options.newId ?? randomUUID
  }

  /** True while the current basket has lines still to send. */
  get basketOpen(): boolean {
    return this.basket !== undefined && this.basket.itemsLeft > 0
  }

  /** The next line of the open basket, or the first line of a new one. */
  next(deviceId: string, storeId: string, at: Date): SalePayload {
    const random = this.options.random
    if (this.basket === undefined || this.basket.itemsLeft === 0) {
      this.basket = {
        orderId: this.newId(),
        customerId: random() < 0.33 ? null : FIRST_DEMO_CUSTOMER_ID + Math.floor(random() * DEMO_CUSTOMER_COUNT),
        itemsLeft: 1 + Math.floor(random() * 4),
      }
    }
    this.basket.itemsLeft--
    if (this.sold.length > 0 && random() < (this.options.returnFraction ?? 0)) return this.returnOf(pick(random, this.sold), at)
    const product = pick(random, DEMO_PRODUCTS)
    const quantity = random() < 0.85 ? 1 : 2 + Math.floor(random() * 3)
    const sale: SalePayload = {
      event_id: this.newId(),
      device_id: deviceId,
      timestamp: at.toISOString(),
      product_id: product.productId,
      price: product.priceMinor / 10 ** this.options.minorUnitDigits,
      quantity,
      store_id: storeId,
      customer_id: this.basket.customerId,
      order_id: this.basket.orderId,
    }
    this.sold.push(sale)
    if (this.sold.length > REMEMBERED_SALES) this.sold.shift()
    return sale
  }

  /** A return line in the open basket: some or all of an earlier sale's units back, at its price. */
  private returnOf(sold: SalePayload, at: Date): SalePayload {
    const units = sold.quantity ?? 1
    return {
      event_id: this.newId(),
      device_id: sold.device_id,
      timestamp: at.toISOString(),
      product_id: sold.product_id,
      price: sold.price,
      quantity: -(1 + Math.floor(this.options.random() * units)),
      store_id: sold.store_id,
      customer_id: this.basket!.customerId,
      order_id: this.basket!.orderId,
      ...(sold.event_id === undefined ? {} : { refund_of: sold.event_id }),
      reason: pick(this.options.random, RETURN_REASONS),
    }
  }

  /** A void of one of this till's recent lines (a line rung up by mistake), or undefined when there is none. */
  voidOfRecent(at: Date, storeId: string, deviceId: string): VoidPayload | undefined {
    const line = this.sold.pop()
    if (line?.event_id === undefined) return undefined
    return { event_id: this.newId(), device_id: deviceId, store_id: storeId, timestamp: at.toISOString(), void_of: line.event_id }
  }
}
