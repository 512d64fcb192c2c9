import { DuckDBInstance } from '@duckdb/node-api'
import { tableFromIPC } from 'apache-arrow'
import { readParquet } from 'parquet-wasm'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { toParquet, type ColumnSpec } from '../../src/snapshot/parquet-file.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const COLUMNS: ColumnSpec[] = [
  { name: 'sale_date', kind: 'date' },
  { name: 'region', kind: 'text', nullable: true },
  { name: 'order_id', kind: 'string', nullable: true },
  { name: 'amount', kind: 'int64' },
  { name: 'lines', kind: 'int32' },
  { name: 'avg', kind: 'float64', nullable: true },
]

describe('toParquet edge values, read back by DuckDB', () => {
  const dir = makeTempDir()
  afterAll(() => dir.remove())

  async function readBack(rows: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const path = join(dir.path, `f${Math.random().toString(36).slice(2)}.parquet`)
    writeFileSync(path, toParquet(COLUMNS, rows, { 'medallion.table': 't' }))
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    return (
      await duck.runAndReadAll(`SELECT strftime(sale_date, '%Y-%m-%d') AS sale_date, region, order_id,
        amount::VARCHAR AS amount, lines, avg FROM read_parquet('${path}') ORDER BY amount::BIGINT`)
    ).getRowObjects()
  }

  it('64-bit amounts beyond 2^31 and 2^32, negatives, and nulls keep their exact values', async () => {
    const rows = [
      { sale_date: '1999-12-31', region: null, order_id: null, amount: -(2 ** 40) - 7, lines: -1, avg: null },
      { sale_date: '2025-05-01', region: 'Nørd', order_id: 'o-1 ü', amount: 2 ** 31 + 1, lines: 2 ** 31 - 1, avg: 0.5 },
      { sale_date: '2100-02-28', region: 'Nørd', order_id: '', amount: Number.MAX_SAFE_INTEGER, lines: 0, avg: 1e300 },
    ]
    expect(await readBack(rows)).toEqual([
      { sale_date: '1999-12-31', region: null, order_id: null, amount: String(-(2 ** 40) - 7), lines: -1, avg: null },
      { sale_date: '2025-05-01', region: 'Nørd', order_id: 'o-1 ü', amount: '2147483649', lines: 2147483647, avg: 0.5 },
      { sale_date: '2100-02-28', region: 'Nørd', order_id: '', amount: '9007199254740991', lines: 0, avg: 1e300 },
    ])
  })

  it('an Arrow reader gets the metadata back on the schema, and the column types', () => {
    const bytes = toParquet(COLUMNS, [{ sale_date: '2025-05-01', region: 'North', order_id: 'o1', amount: 5, lines: 1, avg: 5 }], {
      'medallion.currency': 'EUR',
    })
    const table = tableFromIPC(readParquet(bytes).intoIPCStream())
    expect(table.schema.metadata.get('medallion.currency')).toBe('EUR')
    expect(table.schema.fields.map((field) => String(field.type))).toEqual(['Date32<DAY>', 'Dictionary<Int32, Utf8>', 'Utf8', 'Int64', 'Int32', 'Float64'])
  })

  it('a day with no rows is a valid, empty file with the full schema', async () => {
    expect(await readBack([])).toEqual([])
    const path = join(dir.path, 'empty.parquet')
    writeFileSync(path, toParquet(COLUMNS, [], {}))
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const names = (await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRowObjects().map((row) => row.column_name)
    expect(names).toEqual(COLUMNS.map((column) => column.name))
  })
})
