/** A running sampler: `stop()` ends it after the sample in progress. */
export interface Sampler {
  /** Resolves after the first sample. */
  readonly first: Promise<void>
  /** Samples that threw (a request timing out on a saturated daemon), and the first error. */
  stop(): Promise<{ failed: number; firstError: string | undefined }>
}

/**
 * Calls `sample` now and then every `everyMs` (measured from each start, never two at once: a
 * slow answer delays the next sample rather than piling requests onto a busy daemon) until
 * stopped. `sample` gets the time it started, performance.now() ms. A sample that throws is
 * counted and the sampling goes on.
 */
export function sampleEvery(everyMs: number, sample: (timeMs: number) => Promise<void>): Sampler {
  let running = true
  let wake: (() => void) | undefined
  let failed = 0
  let firstError: string | undefined
  let firstDone!: () => void
  const first = new Promise<void>((resolve) => (firstDone = resolve))
  const loop = (async () => {
    while (running) {
      const startedMs = performance.now()
      try {
        await sample(startedMs)
      } catch (cause) {
        failed++
        firstError ??= String(cause)
      }
      firstDone()
      const waitMs = startedMs + everyMs - performance.now()
      if (running && waitMs > 0) {
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, waitMs)
        })
      }
    }
  })()
  return {
    first,
    async stop() {
      running = false
      wake?.()
      await loop
      return { failed, firstError }
    },
  }
}
