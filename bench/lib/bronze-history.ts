/**
 * Bronze's stored-sales count over time, from the bench's own samples, to say how far behind a
 * later stage is in seconds: a stage holding `count` of bronze's sales at time t lags by t minus
 * the time at which bronze first held `count + 1`, i.e. the age of the oldest sale the stage does
 * not have yet. (Under load that is, within one sale, when bronze first held `count`; after an idle
 * spell it is not the start of the idle spell.) Between two samples bronze is taken to grow
 * linearly (the generator paces evenly), so the lag is not rounded to the sampling period.
 */
export class BronzeHistory {
  private readonly times: number[] = []
  private readonly counts: number[] = []

  /** A sample: bronze held `count` sales at `timeMs` (samples in time order). */
  record(timeMs: number, count: number): void {
    const last = this.counts.at(-1)
    // A counter: a smaller value is a late answer, not bronze shrinking.
    this.times.push(timeMs)
    this.counts.push(last === undefined ? count : Math.max(last, count))
  }

  get latest(): number {
    return this.counts.at(-1) ?? 0
  }

  /** When bronze first held `count` sales (interpolated), or undefined if it never did yet. */
  reachedAt(count: number): number | undefined {
    const counts = this.counts
    if (counts.length === 0 || counts.at(-1)! < count) return undefined
    let lo = 0
    let hi = counts.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (counts[mid]! >= count) hi = mid
      else lo = mid + 1
    }
    if (lo === 0) return this.times[0]!
    const [t0, t1, c0, c1] = [this.times[lo - 1]!, this.times[lo]!, counts[lo - 1]!, counts[lo]!]
    return t0 + ((count - c0) / (c1 - c0)) * (t1 - t0)
  }

  /** Seconds by which a stage holding `count` sales at `timeMs` lags bronze: 0 when it holds all bronze holds. */
  lagS(timeMs: number, count: number): number {
    if (count >= this.latest) return 0
    const reached = this.reachedAt(count + 1)
    return reached === undefined ? 0 : Math.max(0, timeMs - reached) / 1000
  }
}

/** The value below which a fraction p of the values fall (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}
