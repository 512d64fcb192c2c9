import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { manifestPath } from './gold-parquet-schema.js'
import type { SnapshotManifest } from './manifest.js'
import type { SnapshotListing } from './snapshot-reader.js'

export interface PullOptions {
  /** The gateway's base URL, e.g. http://gateway-17:8080 */
  from: string
  token: string
  into: string
  timeoutMs?: number
  onSnapshot?: (manifest: SnapshotManifest) => void
}

export interface PullSummary {
  source: string
  snapshots: number
  files: number
  superseded: number
  cursor: number
}

function stateFile(into: string, source: string): string {
  return join(into, '_pull', `${source.replace(/[^A-Za-z0-9]+/g, '_')}.json`)
}

/** Writes under a temporary name and renames: a lake reader never sees half a file. */
function writeAtomically(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true })
  const temp = `${path}.tmp-${randomBytes(4).toString('hex')}`
  writeFileSync(temp, bytes)
  renameSync(temp, path)
}

function inside(root: string, path: string): string {
  const full = resolve(root, path)
  if (!full.startsWith(resolve(root) + sep)) throw new Error(`a manifest names a path outside the lake: ${path}`)
  return full
}

/**
 * The reference central-side client: pulls a gateway's snapshots after the cursor it kept into a
 * lake folder with the same Hive layout, verifies every file's SHA-256, and applies supersedes so
 * the lake holds exactly one current file per table, day and store. The cursor moves after each
 * whole snapshot, so a pull cut short resumes there and a repeated pull changes nothing.
 */
export async function pullSnapshots(options: PullOptions): Promise<PullSummary> {
  const base = options.from.replace(/\/$/, '')
  const headers = { authorization: `Bearer ${options.token}` }
  const statePath = stateFile(options.into, base)
  let cursor = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as { after: number }).after : 0
  const summary: PullSummary = { source: base, snapshots: 0, files: 0, superseded: 0, cursor }
  const get = async (url: string): Promise<Response> => {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) })
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`)
    return response
  }
  for (;;) {
    const page = (await (await get(`${base}/api/v1/snapshots?after=${cursor}&limit=100`)).json()) as { snapshots: SnapshotListing[] }
    if (page.snapshots.length === 0) break
    for (const listing of page.snapshots) {
      const manifest = listing.manifest
      for (const file of manifest.files) {
        const bytes = new Uint8Array(await (await get(`${base}/api/v1/snapshots/${encodeURIComponent(manifest.snapshot_id)}/files/${file.path}`)).arrayBuffer())
        const actual = createHash('sha256').update(bytes).digest('hex')
        if (actual !== file.sha256) throw new Error(`${manifest.snapshot_id} ${file.path}: sha256 ${actual}, manifest says ${file.sha256}`)
        writeAtomically(inside(options.into, file.path), bytes)
        summary.files++
      }
      // One current file per table, day and store: any other part in the partition is superseded.
      for (const file of manifest.files) {
        const partition = dirname(inside(options.into, file.path))
        for (const other of readdirSync(partition)) {
          if (other.endsWith('.parquet') && other !== file.path.split('/').at(-1) && !other.includes('.tmp-')) {
            rmSync(join(partition, other))
            summary.superseded++
          }
        }
      }
      writeAtomically(inside(options.into, manifestPath(manifest.snapshot_id)), JSON.stringify(manifest, null, 2))
      cursor = listing.seq
      writeAtomically(statePath, JSON.stringify({ after: cursor }))
      summary.snapshots++
      options.onSnapshot?.(manifest)
    }
  }
  summary.cursor = cursor
  return summary
}
