import { describe, expect, it } from 'vitest'
import { RejectNotices } from '../../src/broker/reject-notices.js'
import type { DeviceNotices, RejectNotice, RejectSummary } from '../../src/contract/reject-notice.js'
import { FakeClock } from '../helpers/fake-clock.js'

const OWNER = { storeId: 'store_001', deviceId: 'till-1' }
const REJECTS = 'stores/store_001/devices/till-1/rejects'

function refusals(count: number, reason = 'invalid_json', from = 0): DeviceNotices {
  const notices: RejectNotice[] = Array.from({ length: Math.min(count, 32) }, (_, i) => ({
    event_id: `e-${from + i}`,
    reason,
    detail: 'not JSON',
    topic: 'stores/store_001/devices/till-1/sales',
    received_at: new Date(1_700_000_000_000 + from + i).toISOString(),
    item_index: null,
    field: null,
  }))
  return { owner: OWNER, notices, more: count > 32 ? { [reason]: count - 32 } : {} }
}

function notices(options: { listening?: boolean; perSecond?: number } = {}): {
  rate: RejectNotices
  clock: FakeClock
  published: (RejectNotice | RejectSummary)[]
} {
  const clock = new FakeClock(1_700_000_000_000)
  const published: (RejectNotice | RejectSummary)[] = []
  const rate = new RejectNotices({
    clock,
    perSecond: options.perSecond ?? 10,
    listening: (owner, topic) => (options.listening ?? true) && owner === OWNER && topic === REJECTS,
    publish: (topic, notice) => {
      expect(topic).toBe(REJECTS)
      published.push(notice)
    },
  })
  return { rate, clock, published }
}

describe('the rate of refusal notices, per device (a fake clock)', () => {
  it('a device sending 10,000 bad items a second gets 10 notices and one summary a second, not 10,000', async () => {
    const { rate, clock, published } = notices()
    // 10,000 a second, in group commits of 100 items every 10 ms, for 3 seconds.
    for (let tick = 0; tick < 300; tick++) {
      rate.tell([refusals(100, tick % 2 === 0 ? 'invalid_json' : 'invalid_type', tick * 100)])
      await clock.advance(10)
    }
    await clock.advance(1000)
    const summaries = published.filter((notice): notice is RejectSummary => notice.reason === 'summary')
    expect(published.length).toBe(3 * 11)
    expect(summaries).toHaveLength(3)
    // Every refusal is told or counted once.
    expect(published.length - summaries.length + summaries.reduce((sum, summary) => sum + summary.suppressed, 0)).toBe(30_000)
    expect(summaries[0]!.reasons).toEqual({ invalid_json: 4990, invalid_type: 5000 })
    expect(rate.counts).toEqual({ sent: 30, summaries: 3, summarized: 29_970, unheard: 0 })
  })

  it('a device that sends a few is told each at once; a summary comes only when there was more', async () => {
    const { rate, clock, published } = notices()
    rate.tell([refusals(3)])
    expect(published.map((notice) => notice.event_id)).toEqual(['e-0', 'e-1', 'e-2'])
    await clock.advance(5000)
    expect(published).toHaveLength(3)
  })

  it('the summary of a second comes at its end even when nothing follows', async () => {
    const { rate, clock, published } = notices({ perSecond: 2 })
    rate.tell([refusals(5)])
    expect(published).toHaveLength(2)
    await clock.advance(999)
    expect(published).toHaveLength(2)
    await clock.advance(1)
    expect(published.at(-1)).toMatchObject({ reason: 'summary', suppressed: 3, event_id: null, received_at: new Date(1_700_000_000_004).toISOString() })
  })

  it('a device not listening, or notices turned off (0), costs nothing: only counted as unheard', async () => {
    for (const options of [{ listening: false }, { perSecond: 0 }]) {
      const { rate, clock, published } = notices(options)
      rate.tell([refusals(500)])
      await clock.advance(2000)
      expect(published).toEqual([])
      expect(rate.counts).toEqual({ sent: 0, summaries: 0, summarized: 0, unheard: 500 })
    }
  })

  it('a stop sends the summary that waits', () => {
    const { rate, published } = notices({ perSecond: 1 })
    rate.tell([refusals(4)])
    rate.flush()
    expect(published.map((notice) => notice.reason)).toEqual(['invalid_json', 'summary'])
  })
})
