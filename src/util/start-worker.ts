import { Worker } from 'node:worker_threads'

/**
 * A thread's young generation (V8 sizes it up to 48 MiB by default, per thread): the threads work
 * in batches whose garbage dies young. Measured at the ingest peak: 8 MiB took 20-40 MiB off the
 * daemon's RSS at the same throughput (docs/benchmarks.md, "Variants measured").
 */
const WORKER_YOUNG_GENERATION_MIB = 8

/**
 * Starts the worker module `name` (without extension) next to the calling module. Built code
 * runs `name.js`. Under the test runner the caller is a `.ts` file: the worker then boots through
 * tsx's loader (a dev dependency), because Node 20 runs no TypeScript and vitest's transform does
 * not reach worker threads.
 */
export function startWorker(name: string, callerUrl: string, workerData: unknown): Worker {
  const options = { workerData, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MIB } }
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options)
  const source = JSON.stringify(new URL(`./${name}.ts`, callerUrl).href)
  const boot =
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${source}) })` + '.catch((error) => { console.error(error); process.exit(1) })'
  return new Worker(boot, { ...options, eval: true })
}
