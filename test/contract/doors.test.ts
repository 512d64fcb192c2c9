import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '../../src')

/**
 * Each part's door: the files of it that other parts may import (issue 21). Everything else in a
 * folder is its own business, and an import of it from outside fails here. The libraries every
 * part uses (errors.ts, util/, contract/, db/) are all door. A door only narrows: one nobody uses
 * fails, so it is closed when the last outside import goes; a new one is a decision made here.
 */
const DOORS: Record<string, string[]> = {
  config: ['config-changes.ts', 'load.ts', 'schema.ts'],
  broker: ['device-access.ts', 'device-registry.ts', 'mqtt-broker.ts', 'registry-schema.ts', 'registry-watch.ts', 'reject-notices.ts'],
  bronze: ['bronze-reader.ts', 'bronze-status.ts', 'dedupe-hash.ts', 'bronze-store.ts', 'import-stock-file.ts', 'prune-bronze.ts', 'schema.ts'],
  silver: [
    'day-changes.ts',
    'dims/dimension-spec.ts',
    'dims/import-dimension.ts',
    'dims/sync-dimensions.ts',
    'enricher-from-config.ts',
    'open-silver.ts',
    'prune-silver.ts',
    'rebuild-silver.ts',
    'sales-enricher.ts',
    'schema.ts',
    'silver-status.ts',
  ],
  gold: ['gold-reader.ts', 'gold-refresher.ts', 'gold-status.ts', 'gold-tables.ts', 'open-gold.ts', 'prune-gold.ts', 'schema.ts', 'stock-reader.ts'],
  pipeline: ['gold-thread.ts', 'group-commit.ts', 'pipeline.ts'],
  snapshot: [
    'days-to-remake.ts',
    'gold-parquet-schema.ts',
    'parquet-file.ts',
    'schema.ts',
    'snapshot-builder.ts',
    'snapshot-catalog.ts',
    'snapshot-dir.ts',
    'snapshot-status.ts',
  ],
  central: ['pull-lake.ts'],
  delivery: [
    'delivery-status.ts',
    'disk-bound.ts',
    'outbox.ts',
    'delivery-state.ts',
    'schema.ts',
    'snapshot-reader.ts',
    'targets/upload-target.ts',
    'upload-targets.ts',
  ],
  scheduler: ['job-run-store.ts', 'scheduler.ts', 'schema.ts'],
  retention: ['compact.ts', 'retention.ts', 'schema.ts', 'storage-report.ts'],
  backup: ['backup-manifest.ts', 'backup.ts', 'restore.ts'],
  simulate: ['fleet.ts', 'random.ts'],
  jobs: ['jobs.ts', 'snapshot-jobs.ts', 'stock-import-job.ts'],
  http: ['app.ts', 'dashboard-assets.ts', 'health-report.ts', 'https-redirect.ts', 'live/live-day-hub.ts', 'metrics.ts', 'roles.ts', 'server.ts'],
  daemon: ['data-files.ts', 'http-api.ts', 'mqtt-intake.ts', 'scheduled-work.ts'],
  // The browser app and the commands: nothing imports them.
  dashboard: [],
  cli: [],
}
/** Parts whose every file is a door: small libraries of one purpose each. */
const OPEN = ['errors', 'util', 'contract', 'db', 'schemas', 'gateway']

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

/** Each relative import of a file that lands in another part of src/: [part, path inside it]. */
function outsideImports(file: string): [string, string][] {
  const own = relative(SRC, file).split('/')[0]!.replace(/\.ts$/, '')
  return [...readFileSync(file, 'utf8').matchAll(/(?:\sfrom\s*|import\(\s*)'(\.{1,2}\/[^']+)'/g)]
    .map((m) => relative(SRC, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts'))
    .map((target) => [target.split('/')[0]!.replace(/\.ts$/, ''), target.split('/').slice(1).join('/')] as [string, string])
    .filter(([part]) => part !== own)
}

describe("each part's door", () => {
  it('every part of src/ has a door or is open', () => {
    const parts = readdirSync(SRC).map((entry) => entry.replace(/\.ts$/, ''))
    expect(parts.filter((part) => DOORS[part] === undefined && !OPEN.includes(part))).toEqual([])
  })

  it('nothing imports a part through a file that is not its door', () => {
    const through: string[] = []
    for (const file of sourceFiles(SRC)) {
      for (const [part, path] of outsideImports(file)) {
        if (OPEN.includes(part) || DOORS[part]?.includes(path)) continue
        through.push(`${relative(SRC, file)} imports ${part}/${path}`)
      }
    }
    expect(through).toEqual([])
  })

  it('every door file exists and is used from outside (a door no one uses is closed)', () => {
    const used = new Set(sourceFiles(SRC).flatMap((file) => outsideImports(file).map(([part, path]) => `${part}/${path}`)))
    const unused = Object.entries(DOORS).flatMap(([part, files]) => files.filter((path) => !used.has(`${part}/${path}`)).map((path) => `${part}/${path}`))
    expect(unused).toEqual([])
  })

  it('the check sees an import through a side door (it would fail on one)', () => {
    expect(outsideImports(join(SRC, 'jobs', 'jobs.ts')).some(([part]) => part === 'retention')).toBe(true)
    expect(DOORS.silver).not.toContain('local-time.ts') // silver's own: the enricher uses it, nobody else
  })
})
