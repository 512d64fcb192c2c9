import { Agent, request } from 'node:http'
import { LatencyHistogram } from './histogram.js'

/** What Chromium asks with: the answers' compression (Brotli for the API's JSON over 1 KB) is timed too. */
const BROWSER_HEADERS = { 'accept-encoding': 'gzip, deflate, br, zstd' }

export interface CallLatency {
  path: string
  requests: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  failures: number
}

/**
 * An open-loop load of HTTP GETs, as many independent pages make it: arrivals at random
 * (exponential gaps) at `ratePerS` over all the paths, each request timed from when it was due, so
 * that a stalled server is not hidden by a client that waits for it (coordinated omission).
 */
export async function loadPageCalls(base: string, paths: readonly string[], ratePerS: number, durationS: number): Promise<CallLatency[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const stats = paths.map((path) => ({ path, histogram: new LatencyHistogram(), max: 0, failures: 0 }))
  const pending: Promise<void>[] = []
  const started = performance.now()
  let due = started
  let i = 0
  while (due - started < durationS * 1000) {
    due += -Math.log(1 - Math.random()) * (1000 / ratePerS)
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const stat = stats[i++ % stats.length]!
    const dueAt = due
    pending.push(
      new Promise<void>((resolve) => {
        const req = request(`${base}${stat.path}`, { agent, headers: BROWSER_HEADERS }, (response) => {
          response.resume()
          response.once('end', () => {
            const ms = Math.max(0, performance.now() - dueAt) // a timer fires a little late, never early
            if (response.statusCode !== 200 && response.statusCode !== 304) stat.failures++
            stat.histogram.record(ms)
            stat.max = Math.max(stat.max, ms)
            resolve()
          })
        })
        req.once('error', () => {
          stat.failures++
          resolve()
        })
        req.end()
      }),
    )
  }
  await Promise.all(pending)
  agent.destroy()
  return stats.map((stat) => ({
    path: stat.path,
    requests: stat.histogram.count,
    p50Ms: stat.histogram.percentile(0.5) ?? 0,
    p99Ms: stat.histogram.percentile(0.99) ?? 0,
    maxMs: stat.max,
    failures: stat.failures,
  }))
}
