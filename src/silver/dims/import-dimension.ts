import type { Readable } from 'node:stream'
import { lockedTransaction } from '../../db/locked-transaction.js'
import type { SqliteDatabase } from '../../db/open.js'
import { MedallionError } from '../../errors.js'
import type { SalesEnricher } from '../sales-enricher.js'
import { BEGINNING_MS, END_MS } from '../schema.js'
import { parseDimensionRecord, VALID_FROM, type DimensionRow, type DimensionSpec } from './dimension-spec.js'
import { readRecords } from '../../util/record-file.js'
import type { RecordFormat } from '../../util/record-format.js'

export interface ImportSummary {
  dimension: string
  rows: number
  inserted: number
  changed: number
  unchanged: number
  rejected: number
  /** Silver sales re-enriched because of this import. */
  reenriched: number
  /** Errors by line (all of them when the file was refused, the rejected rows otherwise). */
  errors: { line: number; message: string }[]
}

export interface ImportOptions {
  /** When a changed member's new version starts if the file gives no valid_from (default: now). */
  asOfMs: number
  /** Apply the valid rows of a file that also has bad ones (default: refuse the whole file). */
  allowRejects?: boolean
  onBytes?: (bytes: number) => void
}

const STAGE_CHUNK = 5000
const MAX_LISTED_ERRORS = 50

type CurrentVersion = Record<string, string | null> & { valid_from_ms: number }

/**
 * Loads a dimension file into its SCD type 2 table and re-enriches the silver sales it affects,
 * in one transaction: a new member gets a first version valid from the beginning (so sales that
 * arrived before it are fixed up); a changed member's current version is closed at valid_from (or
 * the import time) and a new one opened; an unchanged member is not touched, so loading the same
 * file twice changes nothing. A file with any bad row is refused whole unless `allowRejects`.
 */
export async function importDimension(
  db: SqliteDatabase,
  enricher: SalesEnricher,
  spec: DimensionSpec,
  input: Readable,
  format: RecordFormat,
  options: ImportOptions,
): Promise<ImportSummary> {
  const summary: ImportSummary = { dimension: spec.name, rows: 0, inserted: 0, changed: 0, unchanged: 0, rejected: 0, reenriched: 0, errors: [] }
  // Stage in a per-connection temp table: a file of any size without holding it in memory, and
  // duplicate keys caught by the primary key.
  db.exec('CREATE TEMP TABLE IF NOT EXISTS dim_stage (key ANY PRIMARY KEY, line INTEGER NOT NULL UNIQUE, row TEXT NOT NULL)')
  db.exec('DELETE FROM temp.dim_stage')
  const stage = db.prepare('INSERT INTO temp.dim_stage (key, line, row) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING')
  const lineOfKey = db.prepare<[unknown], number>('SELECT line FROM temp.dim_stage WHERE key = ?').pluck()
  const stageChunk = db.transaction((rows: DimensionRow[]) => {
    for (const row of rows) {
      if (stage.run(row.key, row.line, JSON.stringify(row)).changes === 0) {
        summary.errors.push({ line: row.line, message: `duplicate ${spec.key.name} ${JSON.stringify(row.key)} (also on line ${lineOfKey.get(row.key)})` })
      }
    }
  })

  const required = [spec.key.name, ...spec.attributes.map((column) => column.name)]
  let chunk: DimensionRow[] = []
  for await (const source of readRecords(input, format, required, { errorCode: 'DIMENSION_FILE_INVALID', onBytes: options.onBytes })) {
    summary.rows++
    if ('error' in source) {
      summary.errors.push({ line: source.line, message: source.error })
      continue
    }
    const parsed = parseDimensionRecord(spec, source.line, source.record)
    if (Array.isArray(parsed)) summary.errors.push({ line: source.line, message: parsed.join('; ') })
    else chunk.push(parsed)
    if (chunk.length >= STAGE_CHUNK) {
      stageChunk(chunk)
      chunk = []
    }
  }
  stageChunk(chunk)

  summary.rejected = summary.errors.length
  if (summary.rows === 0) throw new MedallionError('DIMENSION_FILE_INVALID', `the ${spec.name} file has no rows; nothing was applied`)
  if (summary.errors.length > 0 && !options.allowRejects) {
    throw new MedallionError('DIMENSION_FILE_INVALID', describeErrors(spec.name, summary.errors))
  }
  summary.errors.sort((a, b) => a.line - b.line)

  lockedTransaction(db, 'silver', () => applyStaged(db, enricher, spec, options.asOfMs, summary))
  db.exec('DELETE FROM temp.dim_stage')
  return summary
}

function applyStaged(db: SqliteDatabase, enricher: SalesEnricher, spec: DimensionSpec, asOfMs: number, summary: ImportSummary): void {
  const columns = spec.attributes.map((column) => column.name)
  const table = `silver.${spec.table}`
  const key = spec.key.name
  const selectCurrent = db.prepare<[unknown], CurrentVersion>(
    `SELECT ${columns.join(', ')}, attributes, valid_from_ms FROM ${table} WHERE ${key} = ? AND is_current = 1`,
  )
  const tracked = (version: CurrentVersion): string => JSON.stringify([...columns.map((column) => version[column]), version.attributes])
  const closeCurrent = db.prepare(`UPDATE ${table} SET valid_to = ?, valid_to_ms = ?, is_current = 0 WHERE ${key} = ? AND is_current = 1`)
  const insertVersion =
    db.prepare(`INSERT INTO ${table} (${key}, ${columns.join(', ')}, attributes, valid_from, valid_to, valid_from_ms, valid_to_ms, is_current, loaded_at)
    VALUES (?, ${columns.map(() => '?').join(', ')}, ?, ?, NULL, ?, ?, 1, ?)`)
  const loadedAt = new Date(asOfMs).toISOString()
  const changes: { key: string | number; fromMs: number; newMember: boolean }[] = []

  // Paged, not iterated: better-sqlite3 allows no other statement while an iterator is open.
  const page = db.prepare<[number], { line: number; row: string }>('SELECT line, row FROM temp.dim_stage WHERE line > ? ORDER BY line LIMIT 1000')
  const staged = function* (): Generator<DimensionRow> {
    for (let after = 0, rows = page.all(after); rows.length > 0; after = rows.at(-1)!.line, rows = page.all(after)) {
      for (const { row } of rows) yield JSON.parse(row) as DimensionRow
    }
  }
  for (const row of staged()) {
    const current = selectCurrent.get(row.key)
    const values = JSON.stringify([...row.values, row.extras])
    if (current !== undefined && tracked(current) === values) {
      summary.unchanged++
      continue
    }
    let fromMs = row.validFromMs ?? (current === undefined ? BEGINNING_MS : asOfMs)
    if (current !== undefined) {
      if (fromMs <= current.valid_from_ms) {
        throw new MedallionError(
          'DIMENSION_FILE_INVALID',
          `line ${row.line}: ${VALID_FROM} ${new Date(fromMs).toISOString()} is not after the current version of ${key} ${JSON.stringify(row.key)} (from ${new Date(current.valid_from_ms).toISOString()}); nothing was applied`,
        )
      }
      closeCurrent.run(new Date(fromMs).toISOString(), fromMs, row.key)
      summary.changed++
    } else {
      summary.inserted++
    }
    fromMs = Math.max(fromMs, BEGINNING_MS)
    insertVersion.run(row.key, ...row.values, row.extras, new Date(fromMs).toISOString(), fromMs, END_MS, loadedAt)
    changes.push({ key: row.key, fromMs, newMember: current === undefined })
  }
  for (const change of changes) summary.reenriched += enricher.reenrich(spec.name, change.key, change.fromMs, change.newMember)
}

function describeErrors(dimension: string, errors: { line: number; message: string }[]): string {
  const sorted = [...errors].sort((a, b) => a.line - b.line)
  const listed = sorted.slice(0, MAX_LISTED_ERRORS).map((error) => `line ${error.line}: ${error.message}`)
  const more = sorted.length > MAX_LISTED_ERRORS ? ` (and ${sorted.length - MAX_LISTED_ERRORS} more)` : ''
  return `the ${dimension} file has ${errors.length} bad row${errors.length > 1 ? 's' : ''}; nothing was applied: ${listed.join('; ')}${more}`
}
