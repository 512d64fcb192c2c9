/**
 * One run of `work` at a time. A call while one runs gets one more run after it (callers that
 * arrive meanwhile share it): the run in flight chose its work before the caller's existed.
 */
export function serialized<T>(work: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined
  let next: Promise<T> | undefined
  const run = (): Promise<T> => {
    if (running === undefined) {
      running = work().finally(() => (running = undefined))
      return running
    }
    next ??= running
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        next = undefined
        return run()
      })
    return next
  }
  return run
}
