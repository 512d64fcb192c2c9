import type { RefreshOutcome } from './gold-refresher.js'

export interface GoldSettings {
  dataDir: string
  synchronous: 'FULL' | 'NORMAL'
  /** At most one refresh this often (a burst of silver batches makes one refresh). */
  refreshIntervalMs: number
  /** Look for changes this often even without a notice (rebuilds and imports by other processes). */
  pollMs: number
}

export type ToGold = { kind: 'silver-advanced' } | { kind: 'refresh-now'; id: number } | { kind: 'ping' } | { kind: 'close' }

export type FromGold =
  | { kind: 'ready'; watermark: number; caughtUpAt: string | null }
  | { kind: 'pong' }
  | { kind: 'refreshed'; outcome: RefreshOutcome; caughtUpAt: string | null }
  | { kind: 'error'; message: string }
  | { kind: 'refreshed-now'; id: number; outcome?: RefreshOutcome; error?: string }
