import type { ExpectationConfig } from '../config/schema.js'
import type { BatchOutcome, PipelineFailure } from './sales-enricher.js'

/** What the silver thread needs to open its connection and enrich. */
export interface SilverSettings {
  dataDir: string
  synchronous: 'FULL' | 'NORMAL'
  defaultTimezone: string
  minorUnitDigits: number
  expectations: ExpectationConfig[]
  batchRows: number
  /** Poll bronze this often even without a notice (rows written by another process). */
  pollMs: number
}

export type ToSilver = { kind: 'bronze-advanced' } | { kind: 'close' }

export type FromSilver =
  | { kind: 'ready'; watermark: number; failure?: PipelineFailure }
  | { kind: 'batch'; outcome: BatchOutcome; at: number }
  | { kind: 'failed'; failure: PipelineFailure }
  | { kind: 'error'; message: string }
  | { kind: 'closed' }
