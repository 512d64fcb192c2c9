import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { sha256Hex } from '../util/digest.js'
import { verifiedFetch } from '../util/https-fetch.js'
import { fsyncPath, isTemporaryName, stageFileDurable, writeFileDurable } from '../util/durable-fs.js'
import { manifestPath, SNAPSHOT_SCHEMA_VERSION } from '../snapshot/gold-parquet-schema.js'
import { upgradedManifest, upgradeFile, upgradeLake } from './lake-format.js'
import type { SnapshotManifest } from '../contract/snapshot-manifest.js'
import type { SnapshotPage } from '../contract/snapshot-pull.js'

export interface PullOptions {
  /** The gateway's base URL, e.g. http://gateway-17:8080 */
  from: string
  token: string
  into: string
  timeoutMs?: number
  /** The CA certificates an https gateway's certificate is checked against (pull.caFile); unset: the public roots. */
  ca?: Buffer
  onSnapshot?: (manifest: SnapshotManifest) => void
  /** Told when the cursor starts over: the gateway's data directory changed, or went back in time. */
  onReset?: (reason: string) => void
}

export interface PullSummary {
  source: string
  snapshots: number
  files: number
  superseded: number
  /** Superseded snapshots whose files the gateway had already freed: their newer version comes. */
  skipped: number
  /**
   * Current snapshots the gateway no longer had: delivered elsewhere (an upload target, another
   * puller) and freed by its disk bound, or damaged on its disk (then made again, and pulled later).
   */
  missed: string[]
  /** Files of an older snapshot format rewritten in the current one (in the lake, or as they landed). */
  upgraded: number
  /** Snapshots of the lake the rewrite could not bring to the current format (tried again next time). */
  upgradeFailed: string[]
  cursor: number
}

interface PullState {
  after: number
  gateway_id?: string
}

/** A file that a listing named but the gateway no longer has (HTTP 410). */
class GoneError extends Error {}

function statePath(into: string, source: string): string {
  const readable = source
    .replace(/^https?:\/\//, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .slice(0, 60)
  return join(into, '_pull', `${readable}-${sha256Hex(source).slice(0, 12)}.json`)
}

function inside(root: string, path: string): string {
  const full = resolve(root, path)
  if (!full.startsWith(resolve(root) + sep)) throw new Error(`a manifest names a path outside the lake: ${path}`)
  return full
}

/**
 * The reference central-side client: pulls a gateway's snapshots after the cursor it kept into a
 * lake folder with the same Hive layout, verifies every file's SHA-256, and applies supersedes so
 * the lake holds exactly one current file per table, day and store. A snapshot lands whole: all
 * its files are downloaded and verified under temporary names first, then renamed into place, and
 * only then are the parts they replace removed. Everything is fsynced before the cursor moves,
 * because the next listing acknowledges it and lets the gateway free its copy. The cursor moves
 * after each whole snapshot, so a pull cut short resumes there and a repeated pull changes nothing.
 */
export async function pullSnapshots(options: PullOptions): Promise<PullSummary> {
  const base = options.from.replace(/\/$/, '')
  const headers = { authorization: `Bearer ${options.token}` }
  const stateFile = statePath(options.into, base)
  const state: PullState = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as PullState) : { after: 0 }
  const lake = upgradeLake(options.into)
  const summary: PullSummary = {
    source: base,
    snapshots: 0,
    files: 0,
    superseded: 0,
    skipped: 0,
    missed: [],
    upgraded: lake.rewritten,
    upgradeFailed: lake.failed,
    cursor: state.after,
  }
  const fetchFrom = verifiedFetch(options.ca, 'pull.caFile')
  const get = async (url: string): Promise<Response> => {
    const response = await fetchFrom(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) })
    if (response.status === 410) throw new GoneError(`GET ${url}: HTTP 410`)
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`)
    return response
  }
  const save = (): void => writeFileDurable(stateFile, JSON.stringify(state))

  let resets = 0
  for (;;) {
    const gateway = state.gateway_id === undefined ? '' : `&gateway_id=${encodeURIComponent(state.gateway_id)}`
    const page = (await (await get(`${base}/api/v1/snapshots?after=${state.after}&limit=100${gateway}`)).json()) as SnapshotPage
    // A new data directory counts its seqs from 1 again, and a restored gateway.db goes back: start
    // over rather than wait past seqs that will never come.
    const reset =
      state.gateway_id !== undefined && state.gateway_id !== page.gateway_id
        ? `the gateway's data directory changed (${state.gateway_id} -> ${page.gateway_id})`
        : state.after > page.last_seq
          ? `the gateway's last seq ${page.last_seq} is behind the cursor ${state.after} (gateway.db restored?)`
          : undefined
    if (state.gateway_id !== page.gateway_id || reset !== undefined) {
      state.gateway_id = page.gateway_id
      if (reset !== undefined) {
        if (++resets > 1) throw new Error(`${reset}, again within one pull: is ${base} more than one gateway (a load balancer)?`)
        options.onReset?.(reset)
        state.after = 0
      }
      save()
      if (reset !== undefined) continue
    }
    if (page.snapshots.length === 0) break
    for (const listing of page.snapshots) {
      const manifest = listing.manifest
      const landed = listing.on_disk ? await landSnapshot(manifest, options.into, base, get) : undefined
      if (!landed && !listing.superseded) summary.missed.push(manifest.snapshot_id)
      if (landed) {
        summary.files += manifest.files.length
        if (landed.schema_version !== manifest.schema_version) summary.upgraded += manifest.files.length
        summary.superseded += removeReplacedParts(manifest, options.into)
        writeFileDurable(inside(options.into, manifestPath(manifest.snapshot_id)), JSON.stringify(landed, null, 2))
        summary.snapshots++
        options.onSnapshot?.(manifest)
      } else if (listing.superseded) {
        summary.skipped++
      }
      state.after = listing.seq
      save()
    }
  }
  summary.cursor = state.after
  return summary
}

/**
 * Downloads and verifies every file of the snapshot under a temporary name, then renames them all
 * into place; a snapshot of an older format (a gateway not upgraded yet) is rewritten in the
 * current one after its files are verified. Returns the manifest the lake keeps, or undefined when
 * the gateway freed the files meanwhile.
 */
async function landSnapshot(
  manifest: SnapshotManifest,
  into: string,
  base: string,
  get: (url: string) => Promise<Response>,
): Promise<SnapshotManifest | undefined> {
  const staged: { temp: string; path: string }[] = []
  const older = manifest.schema_version < SNAPSHOT_SCHEMA_VERSION
  const upgraded = new Map<string, Uint8Array>()
  try {
    for (const file of manifest.files) {
      const path = inside(into, file.path)
      const bytes = new Uint8Array(await (await get(`${base}/api/v1/snapshots/${encodeURIComponent(manifest.snapshot_id)}/files/${file.path}`)).arrayBuffer())
      const actual = sha256Hex(bytes)
      if (actual !== file.sha256) throw new Error(`${manifest.snapshot_id} ${file.path}: sha256 ${actual}, manifest says ${file.sha256}`)
      const kept = older ? upgradeFile(bytes, file.table, manifest) : bytes
      if (older) upgraded.set(file.path, kept)
      staged.push({ temp: stageFileDurable(path, kept), path })
    }
  } catch (error) {
    for (const file of staged) rmSync(file.temp, { force: true })
    if (error instanceof GoneError) return undefined
    throw error
  }
  for (const file of staged) renameSync(file.temp, file.path)
  // Durable before the cursor moves: the next listing lets the gateway free its copy.
  for (const directory of new Set(staged.map((file) => dirname(file.path)))) fsyncPath(directory)
  return older ? upgradedManifest(manifest, upgraded) : manifest
}

/**
 * One current file per table, day and store: any other part in the snapshot's partitions goes, and
 * so do temporary files a crashed pull left there (this snapshot's own are renamed by now).
 */
function removeReplacedParts(manifest: SnapshotManifest, into: string): number {
  let removed = 0
  for (const file of manifest.files) {
    const partition = dirname(inside(into, file.path))
    for (const other of readdirSync(partition)) {
      if (other === file.path.split('/').at(-1)) continue
      if (other.endsWith('.parquet')) removed++
      if (other.endsWith('.parquet') || isTemporaryName(other)) rmSync(join(partition, other))
    }
  }
  return removed
}
