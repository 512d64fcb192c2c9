import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '../../src')

/**
 * The stages in data-flow order, each after what it may import. A stage reads the stages before it
 * and never one after it: bronze knows nothing of silver, making a snapshot nothing of delivering
 * it. (The pipeline hosts the bronze, silver and gold threads, so it comes after the three.) The folders not
 * listed compose the stages (cli, http, jobs, daemon, gateway.ts, schemas.ts) or work across all of them
 * (retention, backup), or are central's side (central).
 */
const STAGES = ['errors', 'util', 'contract', 'db', 'config', 'broker', 'bronze', 'silver', 'gold', 'pipeline', 'snapshot', 'delivery']

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
  it('no stage imports a stage after it in the data flow', () => {
    const backwards: string[] = []
    for (const [rank, stage] of STAGES.entries()) {
      const files = stage === 'errors' ? [join(SRC, 'errors.ts')] : sourceFiles(join(SRC, stage))
      for (const file of files) {
        for (const part of partsImportedBy(file)) {
          if (part === stage) continue
          const partRank = STAGES.indexOf(part)
          if (partRank < 0 || partRank > rank) backwards.push(`${relative(SRC, file)} imports ${part}/`)
        }
      }
    }
    expect(backwards).toEqual([])
  })

  it('the check sees a backward import (it would fail on one)', () => {
    expect(partsImportedBy(join(SRC, 'snapshot', 'snapshot-builder.ts'))).toContain('gold')
    expect(STAGES.indexOf('gold')).toBeLessThan(STAGES.indexOf('snapshot'))
  })
})
