/** Latency histogram in 10 us buckets up to 10 s: constant memory, exact enough for p50/p99. */
export class LatencyHistogram {
  private static readonly BUCKET_US = 10
  private readonly buckets = new Uint32Array(1_000_000)
  count = 0

  record(ms: number): void {
    const bucket = Math.min(this.buckets.length - 1, Math.floor((ms * 1000) / LatencyHistogram.BUCKET_US))
    this.buckets[bucket]!++
    this.count++
  }

  /** The latency (ms) below which a fraction p of the samples fall. */
  percentile(p: number): number | null {
    if (this.count === 0) return null
    const target = Math.ceil(p * this.count)
    let seen = 0
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!
      if (seen >= target) return ((i + 1) * LatencyHistogram.BUCKET_US) / 1000
    }
    return null
  }
}
