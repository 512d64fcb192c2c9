/**
 * Machine-readable reasons stored in `bronze.iot_sales_rejects.reason`. Stable: dashboards,
 * alerts and the central team match on them. docs/bronze.md explains each one.
 */
export const REJECT_REASONS = [
  'payload_too_large',
  'invalid_utf8',
  'invalid_json',
  'invalid_shape',
  'batch_too_large',
  'invalid_topic',
  'missing_field',
  'invalid_type',
  'non_finite_number',
  'invalid_value',
  'negative_price',
  'price_precision',
  'amount_out_of_range',
  'invalid_timestamp',
  'device_mismatch',
  'store_mismatch',
] as const

export type RejectReason = (typeof REJECT_REASONS)[number]

/** Why one message, or one item of an array message, was not stored as a sale. */
export interface Rejection {
  reason: RejectReason
  /** The field to blame, when there is one. */
  field: string | null
  /** A sentence for people. */
  detail: string
}

export function rejection(reason: RejectReason, detail: string, field: string | null = null): Rejection {
  return { reason, field, detail }
}
