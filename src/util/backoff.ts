export interface RetryPolicy {
  baseDelayMs: number
  maxDelayMs: number
}

/**
 * Full jitter: a random wait up to base x 2^(attempt-1), capped (AWS architecture blog, "Exponential
 * Backoff And Jitter"). `attempt` counts from 1.
 */
export function backoffMs(attempt: number, retry: RetryPolicy, random: () => number): number {
  return Math.floor(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)))
}
