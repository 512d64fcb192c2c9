import { ID_PATTERN, ID_RULE } from '../../contract/ids.js'
import { parseRfc3339 } from '../../contract/timestamp.js'
import { isTimeZone } from '../../util/time-zone.js'
import type { DimensionName } from '../sales-enricher.js'

/** A parsed cell, or the reason it is not one. */
type Parsed<T> = { value: T } | { error: string }

export interface ColumnSpec<T = string | number> {
  name: string
  parse(raw: unknown): Parsed<T>
}

export interface DimensionSpec {
  name: DimensionName
  table: 'dim_product' | 'dim_customer' | 'dim_store'
  key: ColumnSpec
  /** Tracked attributes: a change to any opens a new version (SCD type 2). */
  attributes: ColumnSpec<string>[]
}

function integer(name: string): ColumnSpec<number> {
  return {
    name,
    parse(raw) {
      const value = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
        ? { value }
        : { error: `${name} must be a whole number >= 0, got ${JSON.stringify(raw)}` }
    },
  }
}

function text(name: string, check?: (value: string) => string | undefined): ColumnSpec<string> {
  return {
    name,
    parse(raw) {
      if (typeof raw !== 'string' || raw.trim() === '') return { error: `${name} must be non-empty text, got ${JSON.stringify(raw)}` }
      const problem = check?.(raw)
      return problem === undefined ? { value: raw } : { error: `${name} ${problem}` }
    },
  }
}

export const DIMENSIONS: Record<DimensionName, DimensionSpec> = {
  product: {
    name: 'product',
    table: 'dim_product',
    key: integer('product_id'),
    attributes: [text('product_name'), text('category')],
  },
  customer: {
    name: 'customer',
    table: 'dim_customer',
    key: integer('customer_id'),
    attributes: [text('customer_name'), text('region')],
  },
  store: {
    name: 'store',
    table: 'dim_store',
    key: text('store_id', (value) => (ID_PATTERN.test(value) ? undefined : ID_RULE)),
    attributes: [text('store_name'), text('region'), text('timezone', (value) => (isTimeZone(value) ? undefined : `'${value}' is not an IANA time zone`))],
  },
}

export function isDimensionName(name: string): name is DimensionName {
  return Object.hasOwn(DIMENSIONS, name)
}

/** Optional column: when the version starts; a date means midnight UTC. */
export const VALID_FROM = 'valid_from'

function parseValidFrom(raw: unknown): Parsed<number | null> {
  if (raw === undefined || raw === null || raw === '') return { value: null }
  if (typeof raw === 'string') {
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? parseRfc3339(`${raw}T00:00:00Z`) : parseRfc3339(raw)
    if (ms !== undefined) return { value: ms }
  }
  return { error: `valid_from must be an RFC 3339 time or a YYYY-MM-DD date, got ${JSON.stringify(raw)}` }
}

/** One valid row of a dimension file. */
export interface DimensionRow {
  line: number
  key: string | number
  /** Tracked attribute values in spec order. */
  values: string[]
  /** Further columns, as a JSON object, or null. */
  extras: string | null
  validFromMs: number | null
}

/** Checks one record against the spec; a row, or the errors of that line. */
export function parseDimensionRecord(spec: DimensionSpec, line: number, record: Record<string, unknown>): DimensionRow | string[] {
  const errors: string[] = []
  const key = spec.key.parse(record[spec.key.name])
  if ('error' in key) errors.push(key.error)
  const values: string[] = []
  for (const column of spec.attributes) {
    const parsed = column.parse(record[column.name])
    if ('error' in parsed) errors.push(parsed.error)
    else values.push(parsed.value)
  }
  const validFrom = parseValidFrom(record[VALID_FROM])
  if ('error' in validFrom) errors.push(validFrom.error)
  if (errors.length > 0 || 'error' in key || 'error' in validFrom) return errors
  const known = new Set([spec.key.name, VALID_FROM, ...spec.attributes.map((column) => column.name)])
  const extraEntries = Object.entries(record)
    .filter(([name]) => !known.has(name))
    .sort(([a], [b]) => a.localeCompare(b))
  return {
    line,
    key: key.value,
    values,
    extras: extraEntries.length > 0 ? JSON.stringify(Object.fromEntries(extraEntries)) : null,
    validFromMs: validFrom.value,
  }
}
