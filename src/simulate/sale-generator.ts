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
}

export interface SaleGeneratorOptions {
  random: () => number
  minorUnitDigits: number
  /** Event ids; default random UUIDs (as most devices send). */
  newId?: () => string
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
    const product = pick(random, DEMO_PRODUCTS)
    const quantity = random() < 0.85 ? 1 : 2 + Math.floor(random() * 3)
    return {
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
  }
}
