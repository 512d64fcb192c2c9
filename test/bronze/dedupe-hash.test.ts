import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { contentIdentity, eventIdentity, hash53 } from '../../src/bronze/dedupe-hash.js'

describe('hash53', () => {
  it('is a stable non-negative 53-bit integer', () => {
    const value = hash53(eventIdentity('abc123', 'e-1'))
    expect(value).toBe(hash53(eventIdentity('abc123', 'e-1')))
    expect(Number.isSafeInteger(value)).toBe(true)
    expect(value).toBeGreaterThanOrEqual(0)
  })

  it('has no collision among 200k device/UUID identities, and uses the high bits', () => {
    const seen = new Set<number>()
    let highBits = 0
    for (let i = 0; i < 200_000; i++) {
      const value = hash53(eventIdentity(`dev-${i % 50}`, randomUUID()))
      seen.add(value)
      if (value >= 2 ** 52) highBits++
    }
    expect(seen.size).toBe(200_000)
    expect(highBits).toBeGreaterThan(90_000) // about half have the top bit set
  })

  it('separates identities that differ in one field or in where a field ends', () => {
    expect(hash53(eventIdentity('ab', 'c'))).not.toBe(hash53(eventIdentity('a', 'bc')))
    const sale = { deviceId: 'd', storeId: 's', saleTsMs: 1, productId: 101, priceMinor: 1550, quantity: 1, customerId: null, orderId: null }
    expect(hash53(contentIdentity(sale))).not.toBe(hash53(contentIdentity({ ...sale, quantity: 2 })))
    expect(hash53(contentIdentity(sale))).not.toBe(hash53(contentIdentity({ ...sale, customerId: 1001 })))
  })
})
