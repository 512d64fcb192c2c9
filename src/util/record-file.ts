import { parse as parseCsv } from 'csv-parse'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { MedallionError, type ErrorCode } from '../errors.js'
import type { RecordFormat } from './record-format.js'

/** One record with the line it started on, or the error of that line (with its text when it is a line of JSON that could not be read). */
export type SourceRecord = { line: number; record: Record<string, unknown> } | { line: number; error: string; text?: string }

/** Where the first invalid UTF-8 sequence of `bytes` starts, or -1 (error path only). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const byte = bytes[i]!
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte < 0xe0 ? 2 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xf0 && byte < 0xf5 ? 4 : 0
    if (length === 0 || i + length > bytes.length) return i
    for (let j = 1; j < length; j++) if ((bytes[i + j]! & 0xc0) !== 0x80) return i
    i += length
  }
  return -1
}

/** The bytes at the end of `bytes` that start a character the next chunk finishes (at most 3). */
function unfinishedTail(bytes: Uint8Array): Uint8Array {
  for (let i = bytes.length - 1; i >= Math.max(0, bytes.length - 3); i--) {
    const byte = bytes[i]!
    if ((byte & 0xc0) === 0x80) continue // a continuation byte: look further back for its lead
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
    return i + length > bytes.length ? bytes.subarray(i) : bytes.subarray(bytes.length)
  }
  return bytes.subarray(bytes.length)
}

function countNewlines(bytes: Uint8Array, end = bytes.length): number {
  let lines = 0
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) lines++
  return lines
}

/**
 * Decodes a byte stream as strict UTF-8. A file that is not UTF-8 is refused as a whole, with the
 * line of the first bad byte: guessing an encoding would store wrong names.
 */
async function* utf8Text(input: Readable, errorCode: ErrorCode, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let lines = 0
  // A character cut between two chunks: its first bytes, so an error is placed on the right line.
  let carried: Uint8Array = new Uint8Array(0)
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    if (typeof chunk === 'string') {
      // Already text (an object-mode stream): nothing to decode.
      onBytes?.(Buffer.byteLength(chunk))
      lines += chunk.split('\n').length - 1
      yield chunk
      continue
    }
    onBytes?.(chunk.length)
    let text: string
    try {
      text = decoder.decode(chunk, { stream: true })
    } catch {
      // The carried bytes hold no newline (a newline is a whole character), so the count holds.
      const joined = Buffer.concat([carried, chunk])
      const at = firstInvalidUtf8(joined)
      const line = lines + countNewlines(joined, at < 0 ? 0 : at) + 1
      throw new MedallionError(errorCode, `line ${line}: the file is not valid UTF-8; nothing was applied`)
    }
    lines += countNewlines(chunk)
    carried = unfinishedTail(carried.length > 0 && chunk.length < 4 ? Buffer.concat([carried, chunk]) : chunk)
    yield text
  }
  const rest = (() => {
    try {
      return decoder.decode()
    } catch {
      throw new MedallionError(errorCode, `line ${lines + 1}: the file ends inside a UTF-8 character; nothing was applied`)
    }
  })()
  if (rest) yield rest
}

/** Checks the columns once (a CSV header, or the first JSON line): a missing one refuses the file. */
function checkColumns(columns: readonly string[], required: readonly string[], line: number, errorCode: ErrorCode): void {
  const missing = required.filter((name) => !columns.includes(name))
  if (missing.length > 0) {
    throw new MedallionError(errorCode, `line ${line}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; nothing was applied`)
  }
}

/**
 * Reads a file of records (a dimension, stock counts), streaming: CSV with a header, or JSON lines (one object a
 * line). File-level problems (not UTF-8, missing columns, broken CSV quoting) throw; a bad line is
 * yielded as an error so that every bad line can be reported at once.
 */
export async function* readRecords(
  input: Readable,
  format: RecordFormat,
  required: readonly string[],
  options: { errorCode: ErrorCode; onBytes?: (bytes: number) => void },
): AsyncGenerator<SourceRecord> {
  const { errorCode } = options
  const text = utf8Text(input, errorCode, options.onBytes)
  if (format === 'csv') {
    const parser = parseCsv({
      bom: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
      columns: (header: string[]) => {
        checkColumns(header, required, 1, errorCode)
        return header
      },
    })
    // pipeline() destroys both sides on an error in either (bad UTF-8 upstream, a bad header here),
    // which ends the loop below with that error.
    const piping = pipeline(Readable.from(text), parser).catch(() => {})
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
        yield { line: info.lines, record }
      }
    } catch (error) {
      if (error instanceof MedallionError) throw error
      const line = (error as { lines?: number }).lines
      throw new MedallionError(errorCode, `${line ? `line ${line}: ` : ''}${(error as Error).message}; nothing was applied`)
    } finally {
      parser.destroy()
      await piping
    }
    return
  }
  let line = 0
  let pending = ''
  let checked = false
  const emit = function* (textLine: string): Generator<SourceRecord> {
    line++
    if (textLine.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(textLine)
    } catch (error) {
      yield { line, error: `not JSON: ${(error as Error).message}`, text: textLine }
      return
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, error: 'a line must be one JSON object', text: textLine }
      return
    }
    if (!checked) {
      checkColumns(Object.keys(value), required, line, errorCode)
      checked = true
    }
    yield { line, record: value as Record<string, unknown> }
  }
  for await (const chunk of text) {
    const parts = (pending + chunk).split('\n')
    pending = parts.pop()!
    for (const part of parts) yield* emit(part.replace(/\r$/, ''))
  }
  if (pending) yield* emit(pending.replace(/\r$/, ''))
}
