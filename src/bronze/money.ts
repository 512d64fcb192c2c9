import { rejection, type Rejection } from './reject-reason.js'

/**
 * Largest unit price in minor units (10 billion at 2 digits). Below it a double has far more
 * precision than one minor unit, so the exactness test below holds; near 2^53 it would not
 * (a review found 7.7e13 with 2 decimals accepted one cent off).
 */
export const MAX_PRICE_MINOR = 1e12

/**
 * Converts a JSON price to integer minor units (cents for 2 digits), exactly, or says why not.
 *
 * `minor / scale === price` is an exact test: both sides are the double nearest to the same
 * rational k / 10^digits (division and decimal parsing are both correctly rounded), so it holds
 * for every price with at most `digits` decimals and fails for any with more (1.005 -> 100.4999...
 * rounds to 100, and 1.00 !== 1.005). No decimal library and no string round trip needed.
 */
export function toMinorUnits(price: unknown, digits: number, field = 'price'): number | Rejection {
  if (typeof price !== 'number') return rejection('invalid_type', `${field} must be a number`, field)
  if (!Number.isFinite(price)) return rejection('non_finite_number', `${field} is not a finite number`, field)
  if (price < 0) return rejection('negative_price', `${field} must not be negative`, field)
  const scale = 10 ** digits
  const minor = Math.round(price * scale) + 0 // + 0 turns -0 into 0
  if (minor > MAX_PRICE_MINOR) return rejection('amount_out_of_range', `${field} is above ${MAX_PRICE_MINOR / scale}`, field)
  if (minor / scale !== price) {
    return rejection('price_precision', `${field} ${price} has more than ${digits} decimals`, field)
  }
  return minor
}
