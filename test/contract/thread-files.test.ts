import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '../../src')

/**
 * The two homes of thread code (docs/architecture.md, "Threads"): `pipeline/` holds the long-lived
 * threads (bronze, silver, gold), `jobs/` the per-run ones (snapshot, retention, dims sync).
 */
const THREAD_FOLDERS = ['pipeline', 'jobs']

/** Every `*.worker.ts` under `dir`, relative to src/. */
function workerFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return workerFiles(path)
    return entry.name.endsWith('.worker.ts') ? [relative(SRC, path)] : []
  })
}

describe('thread files', () => {
  it('every *.worker.ts lives in pipeline/ or jobs/', () => {
    const elsewhere = workerFiles(SRC).filter((file) => !THREAD_FOLDERS.includes(file.split('/')[0]!))
    expect(elsewhere).toEqual([])
  })

  it('the check finds the thread files (it would see one out of place)', () => {
    const files = workerFiles(SRC)
    for (const thread of [
      'pipeline/bronze.worker.ts',
      'pipeline/silver.worker.ts',
      'pipeline/gold.worker.ts',
      'jobs/snapshot.worker.ts',
      'jobs/retention.worker.ts',
      'jobs/dims-sync.worker.ts',
    ]) {
      expect(files).toContain(thread)
    }
  })
})
