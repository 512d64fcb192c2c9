import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LONG_TESTS } from '../long-tests.js'

describe("the long tests CI's Node 22 pass leaves out (vitest.config.ts)", () => {
  it('each is a test file that exists (a renamed one would silently run again)', () => {
    expect(LONG_TESTS.filter((file) => !existsSync(join(import.meta.dirname, '../..', file)))).toEqual([])
  })
})
