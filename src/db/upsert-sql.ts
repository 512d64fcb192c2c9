/**
 * `INSERT INTO table (columns) VALUES (?, ...) ON CONFLICT (key) DO UPDATE SET` every other column:
 * a row written again replaces the one of its key. Not `INSERT OR REPLACE`, which cost 4.7 times
 * as much on silver's sales table with its indexes for rows that are new (35 against 7.5 us a row,
 * measured: docs/benchmarks.md, issue 24), the common case.
 */
export function upsertSql(table: string, columns: readonly string[], key: string): string {
  const updates = columns.filter((column) => column !== key).map((column) => `${column} = excluded.${column}`)
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}`
}
