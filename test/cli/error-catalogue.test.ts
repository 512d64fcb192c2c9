import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, MedallionError, type ErrorCode } from '../../src/errors.js'

describe('the error catalogue', () => {
  it('docs/operations.md lists every code with its meaning, exit status and HTTP status', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/operations.md'), 'utf8')
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      const error = new MedallionError(code as ErrorCode, 'x')
      expect(doc, code).toContain(`| \`${code}\` | ${spec.summary} | ${error.exitCode} | ${error.statusCode ?? ''} |`)
    }
  })

  it('gives each error the exit code and HTTP status of its code', () => {
    expect([new MedallionError('USAGE', 'x').exitCode, new MedallionError('CONFIG_INVALID', 'x').exitCode]).toEqual([2, 1])
    expect([new MedallionError('UNAUTHORIZED', 'x').statusCode, new MedallionError('DISK_FULL', 'x').statusCode]).toEqual([401, undefined])
  })
})
