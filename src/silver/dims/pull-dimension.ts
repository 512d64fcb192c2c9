import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type { DimsConfig } from '../../config/schema.js'
import type { SqliteDatabase } from '../../db/open.js'
import { isMedallionError } from '../../errors.js'
import { backoffMs } from '../../util/backoff.js'
import type { SalesEnricher } from '../sales-enricher.js'
import type { DimensionSpec } from './dimension-spec.js'
import { importDimension, type ImportSummary } from './import-dimension.js'
import { formatOf } from '../../util/record-format.js'
import { verifiedFetch } from '../../util/https-fetch.js'

export interface PullOutcome {
  dimension: string
  status: 'updated' | 'unchanged' | 'failed'
  attempts: number
  summary?: ImportSummary
  error?: string
}

export interface PullContext {
  db: SqliteDatabase
  enricher: SalesEnricher
  dims: DimsConfig
  storeId: string
  dataDir: string
  now: () => number
  sleep: (ms: number) => Promise<void>
  random?: () => number
  fetch?: typeof fetch
}

interface SyncState {
  etag: string | null
  partial_etag: string | null
}

/** An answer that trying again will not change (403, 404, a bad file). */
class Permanent extends Error {}

function dimensionUrl(template: string, dimension: string, storeId: string): string {
  return template.replaceAll('{dimension}', encodeURIComponent(dimension)).replaceAll('{store_id}', encodeURIComponent(storeId))
}

/**
 * Pulls one dimension from central and applies it: a conditional GET (If-None-Match with the ETag
 * last applied: 304 means nothing to do), resumed with Range/If-Range after a download cut short,
 * retried with exponential backoff and jitter on network errors, timeouts, 5xx and 429. The file
 * is applied only when whole; the sync state (ETag, last success, last error) is in silver.dim_sync.
 */
export async function pullDimension(spec: DimensionSpec, context: PullContext): Promise<PullOutcome> {
  const { db, dims } = context
  const url = dimensionUrl(dims.url!, spec.name, context.storeId)
  const downloads = join(context.dataDir, 'downloads')
  mkdirSync(downloads, { recursive: true })
  const partFile = join(downloads, `${spec.name}.part`)
  db.prepare('INSERT INTO silver.dim_sync (dimension, url) VALUES (?, ?) ON CONFLICT (dimension) DO UPDATE SET url = excluded.url').run(spec.name, url)
  const readState = db.prepare<[string], SyncState>('SELECT etag, partial_etag FROM silver.dim_sync WHERE dimension = ?')
  const note = (fields: Record<string, string | null>): void => {
    const names = Object.keys(fields)
    db.prepare(`UPDATE silver.dim_sync SET ${names.map((name) => `${name} = ?`).join(', ')} WHERE dimension = ?`).run(
      ...names.map((name) => fields[name]),
      spec.name,
    )
  }

  for (let attempt = 1; ; attempt++) {
    note({ last_attempt_at: new Date(context.now()).toISOString() })
    try {
      const result = await attemptPull(spec, context, url, partFile, readState.get(spec.name)!, note)
      note({ last_success_at: new Date(context.now()).toISOString(), last_error: null })
      return { dimension: spec.name, attempts: attempt, ...result }
    } catch (error) {
      const message = (error as Error).message
      note({ last_error: message })
      const permanent = error instanceof Permanent || isMedallionError(error)
      if (permanent || attempt >= dims.retry.attempts) {
        return { dimension: spec.name, status: 'failed', attempts: attempt, error: message }
      }
      await context.sleep(backoffMs(attempt, dims.retry, context.random ?? Math.random))
    }
  }
}

async function attemptPull(
  spec: DimensionSpec,
  context: PullContext,
  url: string,
  partFile: string,
  state: SyncState,
  note: (fields: Record<string, string | null>) => void,
): Promise<{ status: 'updated' | 'unchanged'; summary?: ImportSummary }> {
  const have = state.partial_etag ? sizeOf(partFile) : 0
  const headers: Record<string, string> = { accept: 'text/csv, application/x-ndjson;q=0.9, application/json;q=0.8' }
  if (context.dims.token) headers.authorization = `Bearer ${context.dims.token}`
  if (state.etag) headers['if-none-match'] = state.etag
  if (have > 0 && state.partial_etag) {
    headers.range = `bytes=${have}-`
    headers['if-range'] = state.partial_etag
  }
  const response = await (context.fetch ?? verifiedFetch(undefined, 'dims.caFile'))(url, { headers, signal: AbortSignal.timeout(context.dims.timeoutMs) })
  if (response.status === 304) {
    rmSync(partFile, { force: true })
    note({ partial_etag: null })
    return { status: 'unchanged' }
  }
  if (response.status >= 400) {
    await response.body?.cancel()
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429
    const error = `${url}: HTTP ${response.status}`
    throw retryable ? new Error(error) : new Permanent(error)
  }
  if (response.status !== 200 && response.status !== 206) throw new Permanent(`${url}: unexpected HTTP ${response.status}`)
  const resuming = response.status === 206
  if (resuming && !response.headers.get('content-range')?.startsWith(`bytes ${have}-`)) {
    rmSync(partFile, { force: true })
    throw new Error(`${url}: the server resumed at another offset (${response.headers.get('content-range')})`)
  }
  const etag = response.headers.get('etag')
  // A download without an ETag cannot be resumed safely: the next one starts over.
  note({ partial_etag: etag })
  if (response.body) {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), createWriteStream(partFile, { flags: resuming ? 'a' : 'w' }))
  }
  const expected = expectedSize(response, resuming ? have : 0)
  const size = sizeOf(partFile)
  if (expected !== undefined && size !== expected) throw new Error(`${url}: got ${size} bytes of ${expected}`)

  const format = formatOf(response.headers.get('content-type')?.includes('json') ? 'x.jsonl' : url.split('?')[0]!)
  let summary: ImportSummary
  try {
    summary = await importDimension(context.db, context.enricher, spec, createReadStream(partFile), format, { asOfMs: context.now() })
  } finally {
    // Applied, or refused as a whole (a bad file from central): either way the next pull starts over.
    rmSync(partFile, { force: true })
  }
  note({ etag, partial_etag: null, last_summary: JSON.stringify({ ...summary, errors: undefined }) })
  return { status: 'updated', summary }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

/** The whole file's size, from Content-Range (206) or Content-Length (200), when the server says. */
function expectedSize(response: Response, offset: number): number | undefined {
  const range = response.headers.get('content-range')
  const total = range ? /\/(\d+)$/.exec(range)?.[1] : undefined
  if (total) return Number(total)
  const length = response.headers.get('content-length')
  return length === null || response.headers.get('content-encoding') ? undefined : offset + Number(length)
}
