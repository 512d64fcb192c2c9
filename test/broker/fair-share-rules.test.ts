import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { ConnectionAdmission } from '../../src/broker/connection-admission.js'
import { PublishRateLimit } from '../../src/broker/publish-rate-limit.js'

class FakeSocket extends EventEmitter {
  destroyed = false
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.emit('close')
  }
}
const socket = (): Socket & FakeSocket => new FakeSocket() as Socket & FakeSocket

describe('PublishRateLimit: a device over its rate waits, it is never refused', () => {
  it('lets a burst through at once, then spaces messages at the rate, per device', () => {
    let now = 0
    const limit = new PublishRateLimit({ messagesPerSecond: 10, bytesPerSecond: 0, burstSeconds: 2 }, () => now)
    const waits = Array.from({ length: 25 }, () => limit.delayFor('till-1', 100))
    expect(waits.slice(0, 20)).toEqual(Array(20).fill(0))
    expect(waits.slice(20)).toEqual([100, 200, 300, 400, 500])
    expect(limit.delayFor('till-2', 100)).toBe(0) // another device has its own allowance
    now = 500 // half a second: 5 messages' worth, all owed already
    expect(limit.delayFor('till-1', 100)).toBe(100)
    expect(limit.counts).toEqual({ delayed: 6, delayedMs: 1600 })
  })

  it('bounds payload bytes too: a catching-up device with large arrays', () => {
    let now = 0
    const limit = new PublishRateLimit({ messagesPerSecond: 0, bytesPerSecond: 1000, burstSeconds: 1 }, () => now)
    expect(limit.delayFor('till-1', 800)).toBe(0)
    expect(limit.delayFor('till-1', 800)).toBe(600)
    now = 10_000
    expect(limit.delayFor('till-1', 800)).toBe(0) // refilled, up to the burst only
    expect(limit.delayFor('till-1', 800)).toBe(600)
  })

  it('is off with both rates 0, and forgets devices whose allowance is full again', () => {
    expect(new PublishRateLimit({ messagesPerSecond: 0, bytesPerSecond: 0, burstSeconds: 1 }).enabled).toBe(false)
    let now = 0
    const limit = new PublishRateLimit({ messagesPerSecond: 1, bytesPerSecond: 0, burstSeconds: 1 }, () => now)
    for (let i = 0; i < 1000; i++) limit.delayFor(`anonymous:${i}`, 1)
    expect((limit as unknown as { allowances: Map<string, unknown> }).allowances.size).toBe(1000)
    now = 61_000
    limit.delayFor('till-1', 1)
    expect((limit as unknown as { allowances: Map<string, unknown> }).allowances.size).toBe(1)
  })
})

describe('ConnectionAdmission: the places beyond pending and anonymous clients are for devices', () => {
  it('a new connection beyond maxPending closes the oldest pending one, once that one had its grace second', () => {
    let now = 0
    const admission = new ConnectionAdmission({ maxConnections: 100, maxPending: 2, maxAnonymous: 0, connectsPerMinute: 0 }, () => now)
    const idle = [socket(), socket()]
    for (const s of idle) expect(admission.accepted(s)).toBe(true)
    const young = socket()
    expect(admission.accepted(young)).toBe(true) // a storm of young connections is let in
    expect(idle.map((s) => s.destroyed)).toEqual([false, false])
    now = 1500
    const device = socket()
    expect(admission.accepted(device)).toBe(true)
    expect(idle.map((s) => s.destroyed)).toEqual([true, false])
    admission.connected(device)
    expect(admission.pendingCount).toBe(2)
    expect(admission.counts.pendingClosed).toBe(1)
  })

  it("at maxConnections a new connection takes an old pending one's place, or is refused when all are devices", () => {
    let now = 0
    const admission = new ConnectionAdmission({ maxConnections: 3, maxPending: 3, maxAnonymous: 0, connectsPerMinute: 0 }, () => now)
    const sockets = [socket(), socket(), socket()]
    for (const s of sockets) admission.accepted(s)
    admission.connected(sockets[0]!)
    admission.connected(sockets[1]!)
    now = 2000
    expect(admission.accepted(socket())).toBe(true) // sockets[2] idled: closed for it
    expect(sockets[2]!.destroyed).toBe(true)
    const refused = socket()
    expect(admission.accepted(refused)).toBe(false) // the pending one is young; the others are devices
    refused.destroy()
    expect(admission.counts).toMatchObject({ pendingClosed: 1, maxConnectionsRefused: 1 })
    sockets[0]!.destroy()
    expect(admission.accepted(socket())).toBe(true) // a place freed
  })

  it('holds at most maxAnonymous anonymous clients; a place frees when one closes', () => {
    const admission = new ConnectionAdmission({ maxConnections: 100, maxPending: 10, maxAnonymous: 2, connectsPerMinute: 0 })
    const anonymous = [socket(), socket(), socket()]
    for (const s of anonymous) admission.accepted(s)
    expect(anonymous.map((s) => admission.admitAnonymous(s))).toEqual([true, true, false])
    anonymous[0]!.destroy()
    expect(admission.admitAnonymous(anonymous[2]!)).toBe(true)
    expect(admission.anonymousCount).toBe(2)
    expect(admission.counts.anonymousRefused).toBe(1)
  })

  it('counts CONNECTs per device and minute: refusals numbered so that only the first is logged', () => {
    let now = 0
    const admission = new ConnectionAdmission({ maxConnections: 100, maxPending: 10, maxAnonymous: 0, connectsPerMinute: 3 }, () => now)
    expect(Array.from({ length: 5 }, () => admission.connectRefusals('till-1'))).toEqual([0, 0, 0, 1, 2])
    expect(admission.connectRefusals('till-2')).toBe(0)
    now = 60_000
    expect(admission.connectRefusals('till-1')).toBe(0)
    expect(admission.counts.connectRateRefused).toBe(2)
  })
})
