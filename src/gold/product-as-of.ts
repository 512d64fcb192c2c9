import type { SqliteDatabase } from '../db/open.js'
import { UNKNOWN } from '../silver/schema.js'

/** How a product row of gold names its product: the dim_product version at that instant, else Unknown. */
export type ProductNaming = (productId: number, atMs: number) => { name: string; category: string }

/**
 * The product's name and category as dim_product had them at `atMs`: gold names a product by the
 * version silver joined to its last sale of the day (the same point-in-time rule as silver's).
 * Both the day recompute (gold-writer.ts) and the deltas (gold-delta.ts) name products this way.
 */
export function productAsOf(db: SqliteDatabase): ProductNaming {
  const select = db.prepare<[number, number, number], { product_name: string; category: string }>(
    'SELECT product_name, category FROM silver.dim_product WHERE product_id = ? AND valid_from_ms <= ? AND ? < valid_to_ms',
  )
  return (productId, atMs) => {
    const version = select.get(productId, atMs, atMs)
    return { name: version?.product_name ?? UNKNOWN, category: version?.category ?? UNKNOWN }
  }
}
