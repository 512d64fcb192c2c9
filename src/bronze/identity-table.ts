import type { Statement } from 'better-sqlite3'
import type { SqliteDatabase } from '../db/open.js'

/** What every stored event has: the hash of its identity (with its time, the identity index's key). */
export interface IdentifiedEvent {
  dedupeHash: number
}

const MAX_HASH = 2 ** 53
/** Where an event's own values start among the insert's parameters (after received_at, received_at_ms, the time and the hash). */
export const FIRST_VALUE = 4

/**
 * One bronze table of events with the identity index `(ts column, dedupe_hash)`: `insertOnce`
 * stores an event unless it is already there (docs/bronze.md, "Dedupe: identity and its index").
 * Sales, voids and inventory events are each one (bronze/event-kinds.ts).
 */
export class IdentityTable<E extends IdentifiedEvent> {
  private readonly insert: Statement<unknown[]>
  private readonly selectSameKey: Statement<[number, number]>
  /** The insert's parameters, filled in place for each event: no array made per event on this path (bronze's hottest). */
  private readonly params: unknown[]

  /**
   * @param columns the table's columns after `received_at, received_at_ms, {tsColumn}, dedupe_hash`, which `values` writes in order from index `FIRST_VALUE`
   * @param timeOf the event's time (epoch ms), stored in `tsColumn`
   * @param sameAs whether the stored row (its `compared` columns) is this event: the contract's identity
   */
  constructor(
    db: SqliteDatabase,
    table: string,
    tsColumn: string,
    columns: readonly string[],
    private readonly timeOf: (event: E) => number,
    private readonly values: (event: E, params: unknown[]) => void,
    compared: readonly string[],
    private readonly sameAs: (stored: Record<string, unknown>, event: E) => boolean,
  ) {
    // ON CONFLICT DO NOTHING on the identity index: a redelivered or replayed event changes 0 rows.
    this.insert = db.prepare(`INSERT INTO bronze.${table} (received_at, received_at_ms, ${tsColumn}, dedupe_hash, ${columns.join(', ')})
      VALUES (?, ?, ?, ?, ${columns.map(() => '?').join(', ')}) ON CONFLICT (${tsColumn}, dedupe_hash) DO NOTHING`)
    this.selectSameKey = db.prepare(`SELECT ${compared.join(', ')} FROM bronze.${table} WHERE ${tsColumn} = ? AND dedupe_hash = ?`)
    this.params = new Array<unknown>(FIRST_VALUE + columns.length)
  }

  /**
   * Inserts the event unless it is already stored; false for a duplicate. A key conflict is checked
   * against the stored event: two different events with the same millisecond and hash (odds 2^-53)
   * are both kept, the later one under the next free hash (linear probing, so its own redelivery
   * finds it again).
   */
  insertOnce(event: E, receivedAt: string, receivedAtMs: number): boolean {
    const params = this.params
    const tsMs = this.timeOf(event)
    params[0] = receivedAt
    params[1] = receivedAtMs
    params[2] = tsMs
    this.values(event, params)
    for (let hash = event.dedupeHash; ; hash = (hash + 1) % MAX_HASH) {
      params[3] = hash
      // Spread, not the array as one argument: better-sqlite3's array binding cost the sales path 5% (bench: 200k sales in groups of 200).
      if (this.insert.run(...params).changes === 1) return true
      if (this.sameAs(this.selectSameKey.get(tsMs, hash) as Record<string, unknown>, event)) return false
    }
  }
}
