import { DateDay, Dictionary, Field, Float64, Int32, Int64, Schema, Table, Utf8, tableToIPC, vectorFromArray, type DataType } from 'apache-arrow'
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm'

/** How a column is typed in Parquet: `date` is DATE (days), `text` a dictionary-encoded string. */
export type ColumnKind = 'date' | 'text' | 'int32' | 'int64' | 'float64'

export interface ColumnSpec {
  name: string
  kind: ColumnKind
  nullable?: boolean
}

function arrowType(kind: ColumnKind): DataType {
  switch (kind) {
    case 'date': return new DateDay()
    case 'text': return new Dictionary(new Utf8(), new Int32())
    case 'int32': return new Int32()
    case 'int64': return new Int64()
    case 'float64': return new Float64()
  }
}

function toArrowValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (kind) {
    case 'date': return new Date(`${value as string}T00:00:00Z`)
    case 'int64': return BigInt(value as number)
    default: return value
  }
}

/**
 * Rows to a Parquet file: an Arrow table with typed columns (DATE, dictionary strings, 64-bit
 * integers for exact minor units), written by parquet-wasm with ZSTD. `metadata` goes both into the
 * Arrow schema and into the Parquet key-value metadata, where Spark and DuckDB show it.
 */
export function toParquet(columns: readonly ColumnSpec[], rows: readonly Record<string, unknown>[], metadata: Record<string, string>): Uint8Array {
  const meta = new Map(Object.entries(metadata))
  const schema = new Schema(columns.map((column) => new Field(column.name, arrowType(column.kind), column.nullable ?? false)), meta)
  const data = Object.fromEntries(columns.map((column) => [
    column.name,
    vectorFromArray(rows.map((row) => toArrowValue(column.kind, row[column.name])), arrowType(column.kind)),
  ]))
  const table = new Table(schema, data)
  const properties = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setKeyValueMetadata(meta)
    .setCreatedBy('medallion-edge')
    .build()
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), properties)
}
