import { randomUUID } from 'node:crypto'
import { DEMO_PRODUCTS } from './catalog.js'
import { pick } from './random.js'

/** An inventory event as a handheld sends it (docs/inventory.md). */
export interface InventoryPayload {
  event_id: string
  device_id: string
  store_id: string
  timestamp: string
  product_id: number
  type: 'count' | 'receipt' | 'adjustment'
  quantity: number
  reason?: string
}

const ADJUSTMENT_REASONS = ['damaged', 'expired'] as const
/** A delivery's units: a case. */
const CASE_UNITS = 24

/**
 * A store's stock as its handhelds see it: an opening stock-take of every demo product, then
 * deliveries (mostly of what runs lowest, as a store reorders), shelf counts (what the
 * simulator expects, now and then a unit or two short: shrink) and write-offs. It follows the
 * units the store's tills sell, so its counts are plausible, not random.
 */
export class StockGenerator {
  private readonly onHand = new Map<number, number>()

  constructor(
    private readonly random: () => number,
    private readonly newId: () => string = randomUUID,
  ) {}

  /** A count of every product, as a store's first stock-take: 20-60 units each. */
  stockTake(deviceId: string, storeId: string, at: Date): InventoryPayload[] {
    return DEMO_PRODUCTS.map((product) => {
      const quantity = 20 + Math.floor(this.random() * 41)
      this.onHand.set(product.productId, quantity)
      return this.event(deviceId, storeId, at, product.productId, 'count', quantity)
    })
  }

  /** A till sold (or, negative, took back) units of a product. */
  sold(productId: number, quantity: number): void {
    this.onHand.set(productId, (this.onHand.get(productId) ?? 0) - quantity)
  }

  /** The next event of the store's handheld: a delivery (70%), a shelf count (20%) or a write-off. */
  next(deviceId: string, storeId: string, at: Date): InventoryPayload {
    const draw = this.random()
    if (draw < 0.7) {
      const productId = this.random() < 0.8 ? this.lowest() : pick(this.random, DEMO_PRODUCTS).productId
      const units = CASE_UNITS * (1 + Math.floor(this.random() * 2))
      this.sold(productId, -units)
      return this.event(deviceId, storeId, at, productId, 'receipt', units)
    }
    const productId = pick(this.random, DEMO_PRODUCTS).productId
    if (draw < 0.9) {
      const short = this.random() < 0.2 ? 1 + Math.floor(this.random() * 2) : 0
      const counted = Math.max(0, (this.onHand.get(productId) ?? 0) - short)
      this.onHand.set(productId, counted)
      return this.event(deviceId, storeId, at, productId, 'count', counted)
    }
    const units = 1 + Math.floor(this.random() * 2)
    this.sold(productId, units)
    return { ...this.event(deviceId, storeId, at, productId, 'adjustment', -units), reason: pick(this.random, ADJUSTMENT_REASONS) }
  }

  private lowest(): number {
    let lowest = DEMO_PRODUCTS[0]!.productId
    for (const { productId } of DEMO_PRODUCTS) if ((this.onHand.get(productId) ?? 0) < (this.onHand.get(lowest) ?? 0)) lowest = productId
    return lowest
  }

  private event(deviceId: string, storeId: string, at: Date, productId: number, type: InventoryPayload['type'], quantity: number): InventoryPayload {
    return { event_id: this.newId(), device_id: deviceId, store_id: storeId, timestamp: at.toISOString(), product_id: productId, type, quantity }
  }
}
