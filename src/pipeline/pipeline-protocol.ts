import type { CommitResult } from '../bronze/bronze-store.js'
import type { Reply } from '../util/service-thread.js'
import type { PackedGroup } from './packed-group.js'
import type { EnrichmentConfig } from '../silver/enricher-from-config.js'
import type { BatchOutcome, PipelineFailure } from '../silver/sales-enricher.js'

/** What the pipeline's two threads need: their connections, bronze's limits, silver's rules. */
export interface PipelineSettings {
  dataDir: string
  synchronous: 'FULL' | 'NORMAL'
  cacheSizeMiB: number
  maxPayloadBytes: number
  maxBatchItems: number
  minorUnitDigits: number
  rejectPayloadKeepBytes: number
  /** Kept reject payloads above this: the oldest rejects go (retention.rejectsMaxMiB). */
  rejectsMaxBytes?: number
  /** How silver enriches (zone, currency, rules, batch size). */
  enrichment: EnrichmentConfig
  /** A silver batch stops after this long, so that a `dims import` waits for silver's lock no longer. */
  silverBudgetMs: number
  /** Silver runs this long after bronze said it committed: rows gather into one batch, bronze keeps the CPU. */
  silverDelayMs: number
  /** Look for silver work this often even without a commit (retries, rows from other processes). */
  pollMs: number
}

/** What the bronze thread's connection actually runs with (synchronous: 1 NORMAL, 2 FULL). */
export interface WriterPragmas {
  synchronous: number
  journalMode: string
}

/** Commit a group: answered by a Reply<CommitResult> with the group's id (group commit keeps the groups in flight). */
export type ToBronze = { kind: 'commit'; group: PackedGroup }

export type FromBronze = { kind: 'ready'; pragmas: WriterPragmas } | Reply<CommitResult>

export type ToSilver =
  /** Bronze has new rows. */
  | { kind: 'bronze-committed' }
  /** New data-quality rules (SIGHUP): silver checks them from its next batch, and a stop by a rule is tried again. */
  | { kind: 'expectations'; expectations: EnrichmentConfig['silver']['expectations'] }

export type FromSilver =
  | { kind: 'ready'; silverWatermark: number }
  | { kind: 'silver-batch'; outcome: BatchOutcome; at: number }
  | { kind: 'silver-failed'; failure: PipelineFailure }
  | { kind: 'silver-busy'; message: string }
  | { kind: 'silver-error'; message: string }
