import {
  DateDay,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  Schema,
  Table,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow'
import { Compression, EnabledStatistics, Table as WasmTable, WriterPropertiesBuilder, readParquet, writeParquet } from 'parquet-wasm'

/**
 * How a column is typed in Parquet: `date` is DATE (days); `text` a dictionary-encoded string (few
 * distinct values: store, region, category); `string` a plain one (ids, times: mostly distinct).
 */
export type ColumnKind = 'date' | 'text' | 'string' | 'int32' | 'int64' | 'float64'

export interface ColumnSpec {
  name: string
  kind: ColumnKind
  nullable?: boolean
}

const DAY_MS = 86_400_000

function arrowType(kind: ColumnKind): DataType {
  switch (kind) {
    case 'date':
      return new DateDay()
    case 'text':
      return new Dictionary(new Utf8(), new Int32())
    case 'string':
      return new Utf8()
    case 'int32':
      return new Int32()
    case 'int64':
      return new Int64()
    case 'float64':
      return new Float64()
  }
}

/** Validity bitmap (1 = present), or undefined when nothing is null. */
function validity(values: readonly unknown[]): { bitmap: Uint8Array | undefined; nulls: number } {
  let nulls = 0
  for (const value of values) if (value === null || value === undefined) nulls++
  if (nulls === 0) return { bitmap: undefined, nulls }
  const bitmap = new Uint8Array(Math.ceil(values.length / 8))
  values.forEach((value, i) => {
    if (value !== null && value !== undefined) bitmap[i >> 3]! |= 1 << (i & 7)
  })
  return { bitmap, nulls }
}

/**
 * One column as an Arrow vector, built on typed arrays: no BigInt per value (int64 words are
 * written as two 32-bit halves), dictionaries built with a Map, plain strings as one buffer.
 * apache-arrow's generic vectorFromArray took 16 s for 1M silver rows (docs/benchmarks.md).
 */
function column(kind: ColumnKind, values: readonly unknown[]): Vector {
  const length = values.length
  const { bitmap, nulls } = validity(values)
  const nullBitmap = bitmap
  switch (kind) {
    case 'int32': {
      const data = new Int32Array(length)
      values.forEach((value, i) => (data[i] = (value as number | null) ?? 0))
      return makeVector(makeData({ type: new Int32(), length, nullCount: nulls, nullBitmap, data }))
    }
    case 'float64': {
      const data = new Float64Array(length)
      values.forEach((value, i) => (data[i] = (value as number | null) ?? 0))
      return makeVector(makeData({ type: new Float64(), length, nullCount: nulls, nullBitmap, data }))
    }
    case 'int64': {
      // Little-endian halves of each safe integer (|v| < 2^53): low word, then high word.
      const words = new Int32Array(length * 2)
      values.forEach((value, i) => {
        const v = (value as number | null) ?? 0
        const high = Math.floor(v / 4294967296)
        words[2 * i] = v - high * 4294967296
        words[2 * i + 1] = high
      })
      return makeVector(makeData({ type: new Int64(), length, nullCount: nulls, nullBitmap, data: new BigInt64Array(words.buffer) }))
    }
    case 'date': {
      const data = new Int32Array(length)
      values.forEach((value, i) => (data[i] = value === null || value === undefined ? 0 : Date.parse(`${value as string}T00:00:00Z`) / DAY_MS))
      return makeVector(makeData({ type: new DateDay(), length, nullCount: nulls, nullBitmap, data }))
    }
    case 'string': {
      // One UTF-8 buffer and its offsets: what apache-arrow's builder does, without its per-value cost.
      const valueOffsets = new Int32Array(length + 1)
      const texts = values.map((value) => (value === null || value === undefined ? '' : (value as string)))
      let at = 0
      texts.forEach((text, i) => {
        valueOffsets[i] = at
        at += Buffer.byteLength(text, 'utf8')
      })
      valueOffsets[length] = at
      const data = Buffer.from(texts.join(''), 'utf8')
      return makeVector(makeData({ type: new Utf8(), length, nullCount: nulls, nullBitmap, valueOffsets, data }))
    }
    case 'text': {
      const indexOf = new Map<string, number>()
      const words: string[] = []
      const indices = new Int32Array(length)
      values.forEach((value, i) => {
        if (value === null || value === undefined) return
        let index = indexOf.get(value as string)
        if (index === undefined) {
          index = words.length
          indexOf.set(value as string, index)
          words.push(value as string)
        }
        indices[i] = index
      })
      const type = new Dictionary(new Utf8(), new Int32())
      return makeVector(makeData({ type, length, nullCount: nulls, nullBitmap, data: indices, dictionary: vectorFromArray(words, new Utf8()) }))
    }
  }
}

/**
 * Rows to a Parquet file: an Arrow table with typed columns (DATE, dictionary strings, 64-bit
 * integers for exact minor units), written by parquet-wasm with ZSTD and chunk statistics.
 */
export function toParquet(columns: readonly ColumnSpec[], rows: readonly Record<string, unknown>[], metadata: Record<string, string>): Uint8Array {
  const schema = new Schema(columns.map((spec) => new Field(spec.name, arrowType(spec.kind), spec.nullable ?? false)))
  // An empty day (all its sales moved away) is a valid file with no rows, so readers drop the day.
  const table =
    rows.length === 0
      ? new Table(schema)
      : new Table(
          schema,
          Object.fromEntries(
            columns.map((spec) => [
              spec.name,
              column(
                spec.kind,
                rows.map((row) => row[spec.name]),
              ),
            ]),
          ),
        )
  return writeTable(table, metadata)
}

/**
 * An Arrow table to Parquet (ZSTD, chunk statistics). `metadata` goes twice: into the Parquet
 * footer's key-value metadata, where DuckDB (`parquet_kv_metadata`), polars
 * (`read_parquet_metadata`) and Spark show it, and into the Arrow schema that parquet-wasm embeds
 * (ARROW:schema), which is where pyarrow and pandas read a schema's metadata from: pyarrow shows
 * none of the footer's keys when that schema is there. About 360 bytes a file, the price of both.
 */
export function writeTable(table: Table, metadata: Record<string, string>): Uint8Array {
  const meta = new Map(Object.entries(metadata))
  const withMetadata = new Table(new Schema(table.schema.fields, meta), table.batches)
  const properties = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setStatisticsEnabled(EnabledStatistics.Chunk)
    .setKeyValueMetadata(meta)
    .setCreatedBy('medallion-edge')
    .build()
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(withMetadata, 'stream')), properties)
}

/** Some columns of a Parquet file as an Arrow table (all of them when `columns` is undefined). */
export function readTable(bytes: Uint8Array, columns?: readonly string[]): Table {
  // Selected here: parquet-wasm 0.8's synchronous readParquet returns every column whatever `columns` says.
  const table = tableFromIPC(readParquet(bytes).intoIPCStream())
  return columns === undefined ? table : table.select(columns as string[])
}
