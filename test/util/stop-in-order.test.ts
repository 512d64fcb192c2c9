import pino from 'pino'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { stopInOrder } from '../../src/util/stop-in-order.js'

describe('stopInOrder', () => {
  it('stops every part in order, awaiting each; a part that throws is logged and the rest still stop', async () => {
    const lines: { part?: string; msg: string }[] = []
    const logger = pino(
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)))
          done()
        },
      }),
    )
    const stopped: string[] = []
    const failed = await stopInOrder(
      [
        ['http', async () => stopped.push('http')],
        [
          'broker',
          async () => {
            throw new Error('socket stuck')
          },
        ],
        ['threads', () => stopped.push('threads')],
        ['lock', async () => stopped.push('lock')],
      ],
      logger,
    )
    expect(stopped).toEqual(['http', 'threads', 'lock'])
    expect(failed).toEqual(['broker'])
    expect(lines).toMatchObject([{ part: 'broker', err: 'socket stuck', msg: 'could not stop broker; stopping the rest' }])
  })
})
