import pino from 'pino'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { MedallionError } from '../../src/errors.js'
import { stopInOrder } from '../../src/util/stop-in-order.js'

/** A logger whose lines the test reads back. */
function capturedLog(): { lines: Record<string, unknown>[]; logger: pino.Logger } {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)))
        done()
      },
    }),
  )
  return { lines, logger }
}

describe('stopInOrder', () => {
  it('stops every part in order, awaiting each; a part that throws is logged and the rest still stop', async () => {
    const { lines, logger } = capturedLog()
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
    // Not a coded error: logged with its stack, for a bug report.
    expect(lines).toMatchObject([
      { part: 'broker', err: { message: 'socket stuck', stack: expect.any(String) }, msg: 'could not stop broker; stopping the rest' },
    ])
  })

  it('logs a coded error by its code and message, without a stack', async () => {
    const { lines, logger } = capturedLog()
    const failed = await stopInOrder(
      [
        [
          'the pipeline threads',
          () => {
            throw new MedallionError('BRONZE_COMMIT_FAILED', 'bronze cannot commit: disk I/O error')
          },
        ],
      ],
      logger,
    )
    expect(failed).toEqual(['the pipeline threads'])
    expect(lines).toMatchObject([{ part: 'the pipeline threads', code: 'BRONZE_COMMIT_FAILED', err: 'bronze cannot commit: disk I/O error' }])
  })
})
