import { describe, expect, it } from 'vitest'
import { parseRfc3339 } from '../../src/contract/timestamp.js'

describe('parseRfc3339', () => {
  it.each([
    ['2025-05-01T10:15:00Z', Date.UTC(2025, 4, 1, 10, 15)],
    ['2025-05-01t10:15:00z', Date.UTC(2025, 4, 1, 10, 15)],
    ['2025-05-01 10:15:00Z', Date.UTC(2025, 4, 1, 10, 15)],
    ['2025-05-01T10:15:00.5Z', Date.UTC(2025, 4, 1, 10, 15, 0, 500)],
    ['2025-05-01T10:15:00.123456789Z', Date.UTC(2025, 4, 1, 10, 15, 0, 123)],
    ['2025-05-01T10:15:00.1234567890123Z', Date.UTC(2025, 4, 1, 10, 15, 0, 123)],
    // 23:30 in New York (EDT, -04:00) on 1 May is 03:30 UTC on 2 May.
    ['2025-05-01T23:30:00-04:00', Date.UTC(2025, 4, 2, 3, 30)],
    ['2025-05-01T05:45:00+05:45', Date.UTC(2025, 4, 1, 0, 0)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2016-12-31T23:59:60Z', Date.UTC(2017, 0, 1)],
    ['0099-01-01T00:00:00Z', new Date('0099-01-01T00:00:00Z').getTime()],
  ])('%s', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected)
  })

  it.each([
    '2025-05-01T10:15:00', // no offset: names no instant
    '2025-05-01',
    '2025-02-29T00:00:00Z', // not a leap year
    '2025-04-31T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-00-10T00:00:00Z',
    '2025-05-01T24:00:00Z',
    '2025-05-01T10:60:00Z',
    '2025-05-01T12:00:60Z', // a leap second ends a minute 59
    '2025-05-01T10:15:00+24:00',
    '2025-05-01T10:15:00+0200',
    '1714557300',
    '',
    ' 2025-05-01T10:15:00Z',
  ])('refuses %j', (text) => {
    expect(parseRfc3339(text)).toBeUndefined()
  })
})
