import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '../../src')

/**
 * Every part of src/ ranked, each after what it may import (issue 21: no folder unranked). First the
 * stages in data-flow order: a stage reads the stages before it and never one after it (bronze
 * knows nothing of silver, making a snapshot nothing of delivering it; the pipeline hosts the
 * bronze, silver and gold threads, so it comes after the three). Central's side reads the snapshot
 * format and the contract, never the gateway's delivery code. Then the parts that compose the
 * stages, each above what it composes, up to the composition root and the commands.
 */
const RANKS = [
  // the stages
  'errors',
  'util',
  'contract',
  'db',
  'config',
  'broker',
  'bronze',
  'silver',
  'gold',
  'pipeline',
  'snapshot',
  'central',
  'delivery',
  // composing them
  'scheduler',
  'retention',
  'schemas',
  'backup',
  'simulate',
  'jobs',
  'http',
  'dashboard',
  'daemon',
  'gateway',
  'cli',
]

/** The top-level part of src/ each relative import of `file` lands in, dynamic imports too. */
function partsImportedBy(file: string): string[] {
  const source = readFileSync(file, 'utf8')
  const specifiers = [...source.matchAll(/(?:\sfrom\s*|import\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!)
  return specifiers.map((specifier) =>
    relative(SRC, resolve(dirname(file), specifier))
      .split('/')[0]!
      .replace(/\.js$/, ''),
  )
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

describe('layering', () => {
  it('every folder and file of src/ has a rank', () => {
    const parts = readdirSync(SRC).map((entry) => entry.replace(/\.ts$/, ''))
    expect(parts.filter((part) => !RANKS.includes(part))).toEqual([])
  })

  it('no part imports a part ranked after it', () => {
    const backwards: string[] = []
    for (const [rank, stage] of RANKS.entries()) {
      const files = ['errors', 'schemas', 'gateway'].includes(stage) ? [join(SRC, `${stage}.ts`)] : sourceFiles(join(SRC, stage))
      for (const file of files) {
        for (const part of partsImportedBy(file)) {
          if (part === stage) continue
          const partRank = RANKS.indexOf(part)
          if (partRank < 0 || partRank > rank) backwards.push(`${relative(SRC, file)} imports ${part}/`)
        }
      }
    }
    expect(backwards).toEqual([])
  })

  it('the check sees a backward import (it would fail on one)', () => {
    expect(partsImportedBy(join(SRC, 'snapshot', 'snapshot-builder.ts'))).toContain('gold')
    expect(RANKS.indexOf('gold')).toBeLessThan(RANKS.indexOf('snapshot'))
    // Central's pull reads the wire shapes from the contract, not from delivery (ranked after it).
    expect(partsImportedBy(join(SRC, 'central', 'pull-lake.ts'))).toContain('contract')
    expect(RANKS.indexOf('delivery')).toBeGreaterThan(RANKS.indexOf('central'))
  })
})
