import { describe, expect, it } from 'vitest'
import { topicMatches } from '../../src/broker/topic-filter.js'

describe('MQTT topic filters (MQTT 3.1.1, 4.7)', () => {
  it.each([
    ['stores/s/devices/d/rejects', 'stores/s/devices/d/rejects', true],
    ['stores/s/devices/d/#', 'stores/s/devices/d/rejects', true],
    ['stores/s/devices/d/+', 'stores/s/devices/d/rejects', true],
    ['stores/+/devices/+/rejects', 'stores/s/devices/d/rejects', true],
    ['#', 'stores/s/devices/d/rejects', true],
    ['stores/s/devices/d/#', 'stores/s/devices/d', true],
    ['stores/s/devices/d/+', 'stores/s/devices/d', false],
    ['stores/s/devices/d/sales', 'stores/s/devices/d/rejects', false],
    ['stores/s/devices/e/#', 'stores/s/devices/d/rejects', false],
    ['stores/s/devices/d/rejects/#', 'stores/s/devices/d/rejects', true],
    ['stores/s/devices/d/rejects/+', 'stores/s/devices/d/rejects', false],
    ['#', '$SYS/broker', false],
  ])('%s matches %s: %s', (filter, topic, matches) => {
    expect(topicMatches(filter, topic)).toBe(matches)
  })
})
