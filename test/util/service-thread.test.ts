import { describe, expect, it } from 'vitest'
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
})
