import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { CommitResult } from '../../src/bronze/bronze-store.js'
import { GroupCommit, type AckCallback } from '../../src/pipeline/group-commit.js'
import { unpackGroup, type PackedGroup } from '../../src/pipeline/packed-group.js'

// The broker-thread side of group commit, without a thread: `send` records the groups, and the
// test answers them as the bronze thread would.

const TOPIC = 'stores/store_001/devices/d1/sales'
const committed = (messages: number): { result: CommitResult } => ({
  result: { messages, accepted: messages, duplicates: 0, rejected: 0, rejectReasons: {}, inventory: {}, notices: [] },
})
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function harness(options: { maxGroupMessages?: number; onDiskFull?: () => void } = {}) {
  const sent: PackedGroup[] = []
  const commit = new GroupCommit({
    maxPayloadBytes: 1024,
    rejectPayloadKeepBytes: 16,
    maxGroupMessages: options.maxGroupMessages ?? 1000,
    logger: pino({ level: 'silent' }),
    send: (group) => sent.push(group),
    onDiskFull: options.onDiskFull,
  })
  const acks: (Error | null)[][] = []
  const submit = (count: number, payload = '{}'): (Error | null)[] => {
    const outcomes: (Error | null)[] = []
    const done: AckCallback = (error) => outcomes.push(error)
    for (let i = 0; i < count; i++) commit.submit(TOPIC, 'c1', Buffer.from(payload), 1_000 + i, done)
    acks.push(outcomes)
    return outcomes
  }
  return { commit, sent, submit }
}

describe('GroupCommit', () => {
  it('gathers what arrives in one event-loop turn into one group, and acks only after the commit', async () => {
    const { commit, sent, submit } = harness()
    const acks = submit(3)
    expect(sent).toHaveLength(0)
    await nextTurn()
    expect(sent).toHaveLength(1)
    expect(unpackGroup(sent[0]!).map((m) => [m.topic, m.clientId, m.receivedAtMs, Buffer.from(m.payload).toString()])).toEqual([
      [TOPIC, 'c1', 1000, '{}'],
      [TOPIC, 'c1', 1001, '{}'],
      [TOPIC, 'c1', 1002, '{}'],
    ])
    expect(acks).toEqual([])
    commit.answered(sent[0]!.id, committed(3))
    expect(acks).toEqual([null, null, null])
    expect(commit.totals).toMatchObject({ commits: 1, messages: 3, accepted: 3 })
  })

  it('keeps at most two groups in flight; what arrives meanwhile is the next group, sent when one is answered', async () => {
    const { commit, sent, submit } = harness()
    submit(1)
    await nextTurn()
    submit(1)
    await nextTurn()
    const third = submit(5)
    await nextTurn()
    expect(sent).toHaveLength(2)
    commit.answered(sent[0]!.id, committed(1))
    expect(sent).toHaveLength(3)
    expect(unpackGroup(sent[2]!)).toHaveLength(5)
    commit.answered(sent[1]!.id, committed(1))
    commit.answered(sent[2]!.id, committed(5))
    expect(third).toEqual([null, null, null, null, null])
  })

  it('splits a pending group at maxGroupMessages', async () => {
    const { commit, sent, submit } = harness({ maxGroupMessages: 2 })
    submit(5)
    await nextTurn()
    expect(sent.map((group) => group.topics.length)).toEqual([2])
    commit.answered(sent[0]!.id, committed(2))
    commit.answered(sent[1]!.id, committed(2))
    expect(sent.map((group) => group.topics.length)).toEqual([2, 2, 1])
  })

  it('keeps an oversized payload only up to rejectPayloadKeepBytes, with its size as received', async () => {
    const { sent, submit } = harness()
    submit(1, 'x'.repeat(2000))
    await nextTurn()
    const [message] = unpackGroup(sent[0]!)
    expect([message!.payload.byteLength, message!.payloadBytes]).toEqual([16, 2000])
  })

  it('a failed commit acks nothing: each message gets BRONZE_COMMIT_FAILED, a full disk DISK_FULL and onDiskFull', async () => {
    let diskFull = 0
    const { commit, sent, submit } = harness({ onDiskFull: () => diskFull++ })
    const first = submit(2)
    await nextTurn()
    commit.answered(sent[0]!.id, { error: 'disk I/O error' })
    expect(first.map((error) => (error as { code?: string }).code)).toEqual(['BRONZE_COMMIT_FAILED', 'BRONZE_COMMIT_FAILED'])
    expect(diskFull).toBe(0)
    const second = submit(1)
    await nextTurn()
    commit.answered(sent[1]!.id, { error: 'database or disk is full' })
    expect((second[0] as { code?: string }).code).toBe('DISK_FULL')
    expect(diskFull).toBe(1)
    expect(commit.totals.commits).toBe(0)
  })

  it('an answer for the wrong group fails everything in flight and pending, and refuses what comes after', async () => {
    const { commit, sent, submit } = harness()
    const first = submit(1)
    await nextTurn()
    const second = submit(1)
    commit.answered(sent[0]!.id + 7, committed(1))
    expect([first[0], second[0]]).toEqual([expect.any(Error), expect.any(Error)])
    const later = submit(1)
    expect(later[0]).toMatchObject({ code: 'BRONZE_COMMIT_FAILED', message: expect.stringMatching(/answered group/) })
  })

  it('paused (a full disk) it refuses new messages with the reason; resumed it takes them again', async () => {
    const { commit, sent, submit } = harness()
    commit.pause('the disk is full')
    const refused = submit(1)
    expect(refused[0]).toMatchObject({ code: 'DISK_FULL', message: 'the disk is full' })
    commit.resume()
    submit(1)
    await nextTurn()
    expect(sent).toHaveLength(1)
  })

  it('drain resolves once everything submitted is answered; closed, it refuses new messages', async () => {
    const { commit, sent, submit } = harness()
    submit(2)
    let drained = false
    const draining = commit.drain().then(() => (drained = true))
    await nextTurn()
    expect(drained).toBe(false)
    commit.close()
    expect((submit(1)[0] as { code?: string }).code).toBe('INTAKE_CLOSED')
    commit.answered(sent[0]!.id, committed(2))
    await draining
    expect(drained).toBe(true)
  })
})
