import { build } from 'esbuild'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '../../src')

/** The npm packages a source file loads, through every module it imports (esbuild resolves the graph). */
async function packagesLoadedBy(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(SRC, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  })
  const packages = new Set<string>()
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) if (imported.external && !imported.path.startsWith('node:')) packages.add(imported.path)
  }
  return [...packages].sort()
}

/** The modules a source file names in its static `import`/`export ... from` statements (multi-line ones too), and its side-effect imports. */
function staticImports(source: string): string[] {
  return [...source.matchAll(/^(?:import\s*(?:[^;'"]*?\sfrom\s*)?|export\s[^;'"]*?\sfrom\s*)'([^']+)'/gm)].map((m) => m[1]!)
}

describe('import graph', () => {
  it('the contract module imports nothing outside itself', () => {
    const dir = join(SRC, 'contract')
    for (const file of readdirSync(dir)) {
      const imports = staticImports(readFileSync(join(dir, file), 'utf8'))
      expect(
        imports.filter((path) => !path!.startsWith('./')),
        file,
      ).toEqual([])
    }
  })

  it('the pipeline threads load SQLite and nothing else (no config validator or cron parser)', async () => {
    for (const worker of ['pipeline/bronze.worker.ts', 'pipeline/silver.worker.ts', 'pipeline/gold.worker.ts']) {
      expect(await packagesLoadedBy(worker), worker).toEqual(['better-sqlite3'])
    }
  })

  it('the command line loads each command on demand: main.ts imports statically only what every command needs', () => {
    const main = readFileSync(join(SRC, 'cli/main.ts'), 'utf8')
    expect(staticImports(main).sort()).toEqual(['../errors.js', './version.js', 'commander'])
  })

  it('the daemon does not load what only other commands or the snapshot thread use', async () => {
    const daemon = await packagesLoadedBy('cli/run.ts')
    expect(daemon).toContain('aedes')
    for (const unused of ['apache-arrow', 'parquet-wasm', 'mqtt', 'csv-parse', 'cli-progress']) expect(daemon).not.toContain(unused)
  })
})
