import { describe, expect, it } from 'vitest'
import { divideRoundingHalfAway } from '../../src/gold/gold-reader.js'

describe("a mean of minor units, rounded to the minor unit (the totals' four-week comparison)", () => {
  it('rounds half away from zero, on both sides of zero', () => {
    expect([10, 6, 2, 9, 11, 1, 3].map((n) => divideRoundingHalfAway(n, 4))).toEqual([3, 2, 1, 2, 3, 0, 1])
    expect([-10, -6, -2, -9, -11, -1, -3].map((n) => divideRoundingHalfAway(n, 4))).toEqual([-3, -2, -1, -2, -3, -0, -1])
    expect(divideRoundingHalfAway(0, 4)).toBe(0)
    expect(divideRoundingHalfAway(7, 1)).toBe(7)
  })

  it('is exact in integers where a float division would not be: same-time sums in sixtieths of a cent', () => {
    // 2^53 - 1 over 240: a double quotient would lose the remainder that decides the rounding.
    const n = Number.MAX_SAFE_INTEGER
    expect(divideRoundingHalfAway(n, 240)).toBe(Number((BigInt(n) * 2n + 240n) / 480n))
    expect(divideRoundingHalfAway(120 + 240 * 1_000_000_007, 240)).toBe(1_000_000_008)
    expect(divideRoundingHalfAway(119 + 240 * 1_000_000_007, 240)).toBe(1_000_000_007)
  })
})
