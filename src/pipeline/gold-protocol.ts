import type { Reply } from '../util/service-thread.js'
import type { RefreshOutcome } from '../gold/gold-refresher.js'

export interface GoldSettings {
  dataDir: string
  synchronous: 'FULL' | 'NORMAL'
  /** At most one refresh this often (a burst of silver batches makes one refresh). */
  refreshIntervalMs: number
  /** Look for changes this often even without a notice (rebuilds and imports by other processes). */
  pollMs: number
}

export type ToGold =
  /** Silver committed a batch: gold has days to recompute. */
  | { kind: 'silver-advanced' }
  /** Refresh until caught up now (the scheduled job): answered by a Reply<RefreshOutcome>. */
  | { kind: 'refresh-now'; id: number }

export type FromGold =
  | { kind: 'ready'; watermark: number; caughtUpAt: string | null }
  | { kind: 'refreshed'; outcome: RefreshOutcome; caughtUpAt: string | null }
  /** A refresh put off: another process holds gold.db (a `gold rebuild`). */
  | { kind: 'busy'; message: string }
  | { kind: 'error'; message: string }
  | Reply<RefreshOutcome>
