import { STORED_SALE_FIELDS } from '../bronze/bronze-store.js'
import type { BronzeSaleRow } from '../silver/sales-enricher.js'

/**
 * What the bronze thread hands the silver thread after a commit: the sales it stored, so that
 * silver need not read them back from bronze.db. `rows` holds STORED_SALE_FIELDS values a sale, flat
 * (one array of primitives is the cheapest thing to post), in bronze id order. `after` is the
 * largest bronze id before the first of them: no committed sale lies between the two.
 */
export interface SaleHandoff {
  after: number
  rows: HandoffValue[]
}

export type HandoffValue = string | number | null

const WIDTH = STORED_SALE_FIELDS.length

/** The last bronze id of a non-empty hand-off. */
export function lastIdOf(handoff: SaleHandoff): number {
  return handoff.rows[handoff.rows.length - WIDTH] as number
}

/**
 * The silver thread's side: hand-offs in arrival order, up to `maxRows` sales (a burst that silver
 * falls behind on empties it, and silver reads bronze.db instead). It gives rows only when it can
 * vouch that none after the watermark is missing; otherwise silver reads them from bronze.db.
 */
export class HandoffQueue {
  private readonly handoffs: SaleHandoff[] = []
  private queuedRows = 0

  constructor(private readonly maxRows: number) {}

  push(handoff: SaleHandoff): void {
    const rows = handoff.rows.length / WIDTH
    if (rows === 0) return
    if (this.queuedRows + rows > this.maxRows) this.clear()
    this.handoffs.push(handoff)
    this.queuedRows += rows
  }

  /**
   * Up to `maxRows` sales after bronze id `afterId`, in id order; undefined when the queue does not
   * hold the sale right after it (a restart, a cleared queue, rows bronze committed before the
   * hand-off began). Hand-offs wholly at or before `afterId` are dropped: silver has them.
   */
  take(afterId: number, maxRows: number): BronzeSaleRow[] | undefined {
    while (this.handoffs.length > 0 && lastIdOf(this.handoffs[0]!) <= afterId) {
      this.queuedRows -= this.handoffs.shift()!.rows.length / WIDTH
    }
    const first = this.handoffs[0]
    if (first === undefined || first.after > afterId) return undefined
    const rows: BronzeSaleRow[] = []
    let through = afterId
    for (const handoff of this.handoffs) {
      if (handoff.after > through) break
      const values = handoff.rows
      for (let at = 0; at < values.length && rows.length < maxRows; at += WIDTH) {
        const id = values[at] as number
        if (id <= through) continue
        rows.push({
          id,
          event_id: values[at + 1] as string | null,
          device_id: values[at + 2] as string,
          store_id: values[at + 3] as string,
          product_id: values[at + 4] as number,
          price_minor: values[at + 5] as number,
          quantity: values[at + 6] as number,
          customer_id: values[at + 7] as number | null,
          order_id: values[at + 8] as string | null,
          sale_ts_ms: values[at + 9] as number,
          received_at: values[at + 10] as string,
        })
        through = id
      }
      if (rows.length >= maxRows) break
    }
    return rows
  }

  clear(): void {
    this.handoffs.length = 0
    this.queuedRows = 0
  }
}
