import { describe, expect, it } from 'vitest'
import { toMinorUnits } from '../../src/bronze/money.js'

describe('toMinorUnits', () => {
  it.each([
    [15.5, 2, 1550],
    [0.29, 2, 29], // 0.29 * 100 = 28.999999999999996 in binary floating point
    [0.3, 2, 30],
    [1.1, 2, 110],
    [19.99, 2, 1999],
    [0, 2, 0],
    [-0, 2, 0],
    [1234, 0, 1234],
    [1.234, 3, 1234],
    [9999999999.99, 2, 999999999999], // just under MAX_PRICE_MINOR
  ])('%d with %i digits is %i minor units', (price, digits, minor) => {
    expect(Object.is(toMinorUnits(price, digits), minor)).toBe(true)
  })

  it.each([
    [1.005, 2, 'price_precision'],
    [15.505, 2, 'price_precision'],
    [0.001, 2, 'price_precision'],
    [1.5, 0, 'price_precision'],
    [-0.01, 2, 'negative_price'],
    [Number.POSITIVE_INFINITY, 2, 'non_finite_number'],
    [Number.NaN, 2, 'non_finite_number'],
    ['15.50', 2, 'invalid_type'],
    [null, 2, 'invalid_type'],
    [1e300, 2, 'amount_out_of_range'],
    [10000000000.01, 2, 'amount_out_of_range'],
  ])('%s with %i digits is refused: %s', (price, digits, reason) => {
    expect(toMinorUnits(price, digits)).toMatchObject({ reason, field: 'price' })
  })

  it('accepts every 2-decimal price from 0.00 to 100.00 exactly', () => {
    for (let cents = 0; cents <= 10_000; cents++) {
      const price = Number((cents / 100).toFixed(2))
      expect(toMinorUnits(price, 2)).toBe(cents)
    }
  })
})
