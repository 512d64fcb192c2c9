import { describe, expect, it } from 'vitest'
import { isMedallionError } from '../../src/errors.js'
import { ServiceThread } from '../../src/util/service-thread.js'

type Message = { kind: 'ready' } | { kind: 'close' }

describe('ServiceThread: the life cycle of the pipeline and gold threads', () => {
  it('a thread that exits before it is ready fails the start, instead of leaving it waiting', async () => {
    await expect(
      ServiceThread.start<Message, Message>('exits-early.worker', import.meta.url, { readyFirst: false }, { onMessage: () => {}, onDeath: () => {} }),
    ).rejects.toThrow('exits-early thread exited with code 3 before it was ready')
  })

  it('a thread that dies after ready is reported once, and is no longer running', async () => {
    const deaths: string[] = []
    const { thread } = await ServiceThread.start<Message, Message>(
      'exits-early.worker',
      import.meta.url,
      { readyFirst: true },
      {
        onMessage: () => {},
        onDeath: (error) => deaths.push(error.message),
      },
    )
    await expect.poll(() => deaths).toEqual(['exits-early thread exited with code 4'])
    expect(thread.running).toBe(false)
    expect(thread.post({ kind: 'close' })).toBe(false)
  })

  it('one pattern both ways: requests answered by id with a value or a coded error, own messages, ping, close', async () => {
    type To = { kind: 'double'; id: number; n: number } | { kind: 'fail'; id: number } | { kind: 'ignore'; id: number } | { kind: 'say'; text: string }
    type From = { kind: 'ready' } | { kind: 'said'; text: string }
    const heard: string[] = []
    const { thread } = await ServiceThread.start<To, From>('echo-service.worker', import.meta.url, undefined, {
      onMessage: (message) => {
        if (message.kind === 'said') heard.push(message.text)
      },
      onDeath: () => {},
    })
    const [six, ten] = await Promise.all([
      thread.request<number>((id) => ({ kind: 'double', id, n: 3 })),
      thread.request<number>((id) => ({ kind: 'double', id, n: 5 })),
    ])
    expect([six, ten]).toEqual([6, 10])
    // A coded error keeps its code across the thread boundary.
    const failure = await thread.request((id) => ({ kind: 'fail', id })).catch((error: unknown) => error)
    expect(isMedallionError(failure) && [failure.code, failure.message]).toEqual(['BRONZE_COMMIT_FAILED', 'bronze cannot commit: disk I/O error'])
    thread.post({ kind: 'say', text: 'hello' })
    await expect.poll(() => heard).toEqual(['hello'])
    expect(await thread.answers(2000)).toBe(true)
    // A request the thread never answers is settled when the thread stops.
    const unanswered = thread.request((id) => ({ kind: 'ignore', id }))
    await thread.stop()
    await expect(unanswered).rejects.toThrow('the thread was stopped')
    expect(thread.running).toBe(false)
  })
})
