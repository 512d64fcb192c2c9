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

  it("a sale's content identity is what it was before returns (a redelivery after the upgrade is still a duplicate); a return's fields join it", () => {
    const sale = { deviceId: 'd', storeId: 's', saleTsMs: 1, productId: 101, priceMinor: 1550, quantity: 1, customerId: null, orderId: 'o1' }
    expect(contentIdentity({ ...sale, refundOf: null, returnReason: null })).toBe(['c', 'd', 's', 1, 101, 1550, 1, '', 'o1'].join('\u0000'))
    const ret = { ...sale, quantity: -1 }
    expect(hash53(contentIdentity({ ...ret, refundOf: 'e1', returnReason: null }))).not.toBe(
      hash53(contentIdentity({ ...ret, refundOf: 'e2', returnReason: null })),
    )
    expect(hash53(contentIdentity({ ...ret, refundOf: null, returnReason: 'damaged' }))).not.toBe(hash53(contentIdentity(ret)))
  })
})
