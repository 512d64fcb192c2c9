import { Worker } from 'node:worker_threads'

/**
 * Starts the worker module `name` (without extension) next to the calling module. Built code
 * runs `name.js`. Under the test runner the caller is a `.ts` file: the worker then boots through
 * tsx's loader (a dev dependency), because Node 20 runs no TypeScript and vitest's transform does
 * not reach worker threads.
 */
export function startWorker(name: string, callerUrl: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData })
  const source = JSON.stringify(new URL(`./${name}.ts`, callerUrl).href)
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${source}) })` +
    '.catch((error) => { console.error(error); process.exit(1) })'
  return new Worker(boot, { eval: true, workerData })
}
