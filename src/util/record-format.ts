// Apart from record-file.ts: the daemon names a format (the stock import's Content-Type) without loading the CSV parser.
export type RecordFormat = 'csv' | 'jsonl'

/** The format of a file of records (dimensions, stock counts) from its name or a Content-Type: JSON lines for .jsonl/.ndjson/.json, else CSV. */
export function formatOf(nameOrType: string): RecordFormat {
  return /\.(jsonl|ndjson|json)$|json/i.test(nameOrType) ? 'jsonl' : 'csv'
}
