import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { Parts, type Part } from '../../src/util/parts.js'

/** A part that notes its start and stop in `log`; `failStart` makes its start throw. */
function part(name: string, log: string[], failStart = false): Part {
  return {
    name,
    start: async () => {
      log.push(`start ${name}`)
      if (failStart) throw new Error(`${name} cannot start`)
    },
    stop: () => log.push(`stop ${name}`),
  }
}

describe('Parts', () => {
  it('start in order, stop in reverse', async () => {
    const log: string[] = []
    const parts = new Parts([part('lock', log), part('files', log), part('http', log)], pino({ level: 'silent' }))
    await parts.start()
    expect(await parts.stop()).toEqual([])
    expect(log).toEqual(['start lock', 'start files', 'start http', 'stop http', 'stop files', 'stop lock'])
  })

  it('a part that fails to start fails the start; stop then stops it and the parts before it, not those after', async () => {
    const log: string[] = []
    const parts = new Parts([part('lock', log), part('broker', log, true), part('http', log)], pino({ level: 'silent' }))
    await expect(parts.start()).rejects.toThrow('broker cannot start')
    await parts.stop()
    expect(log).toEqual(['start lock', 'start broker', 'stop broker', 'stop lock'])
  })

  it('a second stop stops nothing again', async () => {
    const log: string[] = []
    const parts = new Parts([part('lock', log)], pino({ level: 'silent' }))
    await parts.start()
    await parts.stop()
    await parts.stop()
    expect(log).toEqual(['start lock', 'stop lock'])
  })
})
