import { workerData } from 'node:worker_threads'

// A thread that fails before it is ready (a bad import, a missing native module), or right after.
const { readyFirst } = workerData as { readyFirst: boolean }
if (readyFirst) {
  const { parentPort } = await import('node:worker_threads')
  parentPort!.postMessage({ kind: 'ready' })
  setTimeout(() => process.exit(4), 20)
} else {
  process.exit(3)
}
