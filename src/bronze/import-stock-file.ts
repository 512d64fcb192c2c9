import type { Readable } from 'node:stream'
import { eventTopic } from '../contract/device-topic.js'
import { ID_PATTERN, ID_RULE } from '../contract/ids.js'
import type { SqliteDatabase } from '../db/open.js'
import { MedallionError } from '../errors.js'
import { readRecords } from '../util/record-file.js'
import type { RecordFormat } from '../util/record-format.js'
import { BronzeStore, type BronzeStoreOptions, type IncomingMessage } from './bronze-store.js'
import { parseEventMessage } from './parse-message.js'

export interface StockImportSummary {
  rows: number
  /** New events in bronze.iot_inventory_raw. */
  stored: number
  /** Rows bronze already held (the same file, or the same event ids, imported before). */
  duplicates: number
  /** Rows stored as rejects (only with `allowRejects`). */
  rejected: number
  /** The bad rows by line (all of them when the file was refused, the rejected ones otherwise; at most 50). */
  errors: { line: number; message: string }[]
}

export interface StockImportOptions extends Omit<BronzeStoreOptions, 'maxBatchItems' | 'noteDevices'> {
  /** The device id the events carry (their source: an ERP, a stock-take). */
  deviceId: string
  /** Where rows whose store_id is not an id are put (the refusal then names their store_id). */
  fallbackStoreId: string
  /** Store the valid rows of a file that also has bad ones, the bad ones as rejects (default: refuse the whole file). */
  allowRejects?: boolean
  onBytes?: (bytes: number) => void
}

const REQUIRED = ['store_id', 'product_id', 'quantity', 'timestamp'] as const
/** Rows per bronze transaction: a device's commits wait at most one such transaction. */
const COMMIT_ROWS = 1000
const MAX_LISTED_ERRORS = 50

/**
 * Loads a file of stock counts (an ERP's stock export, a stock-take; CSV with a header or JSON
 * lines: store_id, product_id, quantity, timestamp, optional type, reason, event_id) into bronze as
 * inventory events of device `deviceId`, through the validation and dedupe a device's events get:
 * importing the same file again stores nothing new, and silver and gold take the events in as if a
 * device had sent them. Rows are staged first, so a file with a bad row is refused whole (nothing
 * stored) unless `allowRejects`.
 */
export async function importStockFile(db: SqliteDatabase, input: Readable, format: RecordFormat, options: StockImportOptions): Promise<StockImportSummary> {
  const summary: StockImportSummary = { rows: 0, stored: 0, duplicates: 0, rejected: 0, errors: [] }
  let bad = 0
  const noteError = (line: number, message: string): void => {
    bad++
    if (summary.errors.length < MAX_LISTED_ERRORS) summary.errors.push({ line, message })
  }
  // Staged in a per-connection temp table: a file of any size without holding it in memory.
  db.exec('CREATE TEMP TABLE IF NOT EXISTS stock_stage (line INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload TEXT NOT NULL)')
  db.exec('DELETE FROM temp.stock_stage')
  const stage = db.prepare('INSERT INTO temp.stock_stage (line, topic, payload) VALUES (?, ?, ?)')
  const stageAll = db.transaction((rows: [number, string, string][]) => {
    for (const row of rows) stage.run(...row)
  })
  const limits = { ...options, maxBatchItems: 1 }
  let chunk: [number, string, string][] = []
  try {
    for await (const source of readRecords(input, format, REQUIRED, { errorCode: 'STOCK_FILE_INVALID', onBytes: options.onBytes })) {
      summary.rows++
      if ('error' in source) {
        noteError(source.line, source.error)
        // A line that is not an object of JSON is staged as it is: with allowRejects bronze keeps it as a reject, like a device's.
        if (source.text !== undefined)
          chunk.push([source.line, eventTopic({ storeId: options.fallbackStoreId, deviceId: options.deviceId }, 'inventory'), source.text])
        continue
      }
      const { topic, payload } = asDeviceMessage(source.record, options)
      const bytes = Buffer.from(payload)
      const verdict = parseEventMessage(topic, bytes, bytes.byteLength, limits)
      const refused = verdict.rejects[0]
      const storeId = source.record.store_id
      if (typeof storeId === 'string' && !ID_PATTERN.test(storeId)) noteError(source.line, `store_id '${storeId.slice(0, 80)}' ${ID_RULE}`)
      else if (refused) noteError(source.line, refused.detail)
      chunk.push([source.line, topic, payload])
      if (chunk.length >= COMMIT_ROWS) {
        stageAll(chunk)
        chunk = []
      }
    }
    stageAll(chunk)
    if (bad > 0 && !options.allowRejects) {
      const listed = summary.errors.map((error) => `line ${error.line}: ${error.message}`).join('; ')
      throw new MedallionError(
        'STOCK_FILE_INVALID',
        `${bad} of ${summary.rows} rows are invalid (${listed}${bad > summary.errors.length ? '; ...' : ''}); nothing was stored (--allow-rejects stores the valid rows)`,
      )
    }
    commitStaged(db, options, summary)
    return summary
  } finally {
    db.exec('DELETE FROM temp.stock_stage')
  }
}

function commitStaged(db: SqliteDatabase, options: StockImportOptions, summary: StockImportSummary): void {
  // An import is not a device on the store's floor: it is not listed among the devices to watch.
  const store = new BronzeStore(db, { ...options, maxBatchItems: 1, noteDevices: false })
  const staged = db.prepare<[number, number], { line: number; topic: string; payload: string }>(
    'SELECT line, topic, payload FROM temp.stock_stage WHERE line > ? ORDER BY line LIMIT ?',
  )
  const receivedAtMs = Date.now()
  for (let after = 0; ;) {
    const rows = staged.all(after, COMMIT_ROWS)
    if (rows.length === 0) return
    const messages: IncomingMessage[] = rows.map((row) => {
      const payload = Buffer.from(row.payload)
      return { topic: row.topic, clientId: null, payload, payloadBytes: payload.byteLength, receivedAtMs }
    })
    const result = store.commit(messages)
    summary.stored += result.accepted
    summary.duplicates += result.duplicates
    summary.rejected += result.rejected
    after = rows.at(-1)!.line
  }
}

/** A file's row as the message a device would have sent for it: one event on its inventory topic. */
function asDeviceMessage(record: Record<string, unknown>, options: StockImportOptions): { topic: string; payload: string } {
  const storeId = record.store_id
  const topicStore = typeof storeId === 'string' && ID_PATTERN.test(storeId) ? storeId : options.fallbackStoreId
  const event: Record<string, unknown> = {
    device_id: options.deviceId,
    store_id: storeId,
    timestamp: record.timestamp,
    product_id: wholeNumberOf(record.product_id),
    type: present(record.type) ?? 'count',
    quantity: wholeNumberOf(record.quantity),
  }
  const reason = present(record.reason)
  if (reason !== undefined) event.reason = reason
  const eventId = present(record.event_id)
  if (eventId !== undefined) event.event_id = eventId
  return { topic: eventTopic({ storeId: topicStore, deviceId: options.deviceId }, 'inventory'), payload: JSON.stringify(event) }
}

/** CSV gives text: a whole number written as text is that number (anything else stays, to be refused by name). */
function wholeNumberOf(value: unknown): unknown {
  return typeof value === 'string' && /^[+-]?\d{1,15}$/.test(value.trim()) ? Number(value) : value
}

/** An optional column's value; an empty CSV cell is absent. */
function present(value: unknown): unknown {
  return value === '' || value === null ? undefined : value
}
