/**
 * Demo dimensions in the seed's shape: products from 101, customers from 1001 (the seed's
 * example is product 101 at 15.5 for customer 1001 in store_001). Prices in minor units.
 */
export interface DemoProduct {
  productId: number
  productName: string
  category: string
  priceMinor: number
}

const PRODUCTS_BY_CATEGORY: Record<string, [string, number][]> = {
  Beverages: [
    ['Espresso', 250],
    ['Cappuccino', 390],
    ['Orange Juice', 450],
    ['Sparkling Water', 199],
  ],
  Bakery: [
    ['Croissant', 220],
    ['Sourdough Loaf', 650],
    ['Blueberry Muffin', 299],
  ],
  Grocery: [
    ['Olive Oil 1L', 1299],
    ['Basmati Rice 2kg', 899],
    ['Pasta 500g', 189],
    ['Coffee Beans 1kg', 2450],
  ],
  Electronics: [
    ['USB-C Cable', 1550],
    ['Earbuds', 4999],
    ['Power Bank', 2999],
  ],
  Household: [
    ['Dish Soap', 349],
    ['Paper Towels', 599],
    ['Light Bulb', 450],
  ],
}

export const DEMO_PRODUCTS: readonly DemoProduct[] = Object.entries(PRODUCTS_BY_CATEGORY)
  .flatMap(([category, items]) => items.map(([productName, priceMinor]) => ({ category, productName, priceMinor })))
  .map((product, index) => ({ productId: 101 + index, ...product }))

export const DEMO_REGIONS = ['North', 'South', 'East', 'West'] as const

/** Demo customers 1001..1000+count; a sale has no customer (anonymous) about a third of the time. */
export const DEMO_CUSTOMER_COUNT = 200
export const FIRST_DEMO_CUSTOMER_ID = 1001
