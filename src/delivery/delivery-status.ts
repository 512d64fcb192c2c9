import type { SqliteDatabase } from '../db/open.js'
import { readBacklog } from './outbox.js'

/** What waits to ship, for `status`. */
export interface DeliveryStatus {
  pending: number
  oldestPendingDate: string | null
  lastError: string | null
}

export function readDeliveryStatus(db: SqliteDatabase): DeliveryStatus {
  const backlog = readBacklog(db)
  return { pending: backlog.pending, oldestPendingDate: backlog.oldestDate, lastError: backlog.lastError }
}
