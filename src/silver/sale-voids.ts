import type { SqliteDatabase } from '../db/open.js'
import { eventIdentity, hash53 } from '../bronze/dedupe-hash.js'

/** A void's states (silver.sale_voids.state). */
export type VoidState = 'applied' | 'pending' | 'repeat' | 'refused'

/** A line as silver writes it: enough to tell whether a void cancels it. */
export interface VoidableLine {
  id: number
  device_id: string
  store_id: string
  event_id: string | null
}

/** Silver's row of a line: where it counts, whether it is voided, what it sold. */
export interface SilverLine {
  store_id: string
  sale_date: string
  voided_by: number | null
  product_id: number
  quantity: number
  sale_ts_ms: number
}

/** The silver rows a void cancels, written by their writer (sales-enricher.ts). */
export interface VoidedLines {
  /** Silver's row of bronze sale `bronzeId`: its store-day and void, or undefined (quarantined, or not reached yet). */
  find(bronzeId: number): SilverLine | undefined
  /** Marks the line voided (its units back in stock, its day changed so that gold recomputes it). */
  markVoided(bronzeId: number, voidId: number, line: SilverLine): void
}

interface BronzeVoid {
  id: number
  device_id: string
  store_id: string
  event_id: string | null
  sale_ts_ms: number
  void_of: string
}

interface OpenVoid {
  void_id: number
  device_id: string
  store_id: string
  event_id: string | null
  state: VoidState
  line_bronze_id: number | null
}

const DAY_MS = 86_400_000
/** How far before a void its line is looked for (a till voids a line of today, rarely of last week). */
export const VOID_LOOKBACK_DAYS = 7
/** And after it: device clocks disagree a little. */
const VOID_LOOKAHEAD_MS = DAY_MS

/**
 * silver.sale_voids, written only here: every void bronze holds, and what became of it. A void
 * cancels the line its device sent earlier with `event_id = void_of`: found in bronze by that
 * line's identity (its dedupe hash, bronze's time index scanned from the void back: no index on
 * event ids, which would cost every sale a random page write), or, when the line has not come yet,
 * kept pending and applied by the line's own enrichment (`voidOf`). A second void of the same line
 * is a repeat and changes nothing; a void whose line was sold in another store is refused. A device
 * voids only its own lines (bronze refuses a void naming another device than its topic's), and
 * event ids are unique per device only: a void never reaches another device's line.
 */
export class SaleVoids {
  private readonly selectNew
  private readonly insertVoid
  private readonly updateVoid
  private readonly openFor
  private readonly anyOpen
  private readonly lineBefore
  private readonly lineAfter
  private open = false

  constructor(private readonly db: SqliteDatabase) {
    this.selectNew = db.prepare<[number, number], BronzeVoid>(
      'SELECT id, device_id, store_id, event_id, sale_ts_ms, void_of FROM bronze.iot_sale_voids WHERE id > ? ORDER BY id LIMIT ?',
    )
    this.insertVoid = db.prepare(`INSERT OR REPLACE INTO silver.sale_voids
      (void_id, event_id, device_id, store_id, void_of, sale_ts_ms, state, reason, line_bronze_id, line_store_id, line_sale_date, updated_at)
      VALUES (@void_id, @event_id, @device_id, @store_id, @void_of, @sale_ts_ms, @state, @reason, @line_bronze_id, @line_store_id, @line_sale_date, @at)`)
    this.updateVoid = db.prepare(`UPDATE silver.sale_voids SET state = @state, reason = @reason, line_bronze_id = @line_bronze_id,
      line_store_id = @line_store_id, line_sale_date = @line_sale_date, updated_at = @at WHERE void_id = @void_id`)
    this.openFor = db.prepare<[string], OpenVoid>(`SELECT void_id, device_id, store_id, event_id, state, line_bronze_id FROM silver.sale_voids
      WHERE void_of = ? AND state IN ('applied', 'pending') ORDER BY void_id`)
    this.anyOpen = db.prepare("SELECT EXISTS (SELECT 1 FROM silver.sale_voids WHERE state IN ('applied', 'pending'))").pluck()
    // The identity index (sale_ts_ms, dedupe_hash) answers the hash from the index; only a match reads its row.
    const line = (order: 'DESC' | 'ASC'): string => `SELECT id, store_id FROM bronze.iot_sales_raw
      WHERE sale_ts_ms BETWEEN ? AND ? AND dedupe_hash = ? AND device_id = ? AND event_id = ? ORDER BY sale_ts_ms ${order} LIMIT 1`
    this.lineBefore = db.prepare<[number, number, number, string, string], { id: number; store_id: string }>(line('DESC'))
    this.lineAfter = db.prepare<[number, number, number, string, string], { id: number; store_id: string }>(line('ASC'))
  }

  /** Reads whether any void is applied or pending (at the start of a transaction): with none, a new line needs no look-up. */
  refresh(): void {
    this.open = this.anyOpen.get() === 1
  }

  /**
   * The void that cancels `line`, as silver (re)writes it: a pending void of its device takes it
   * (applied), one applied to it stays; a pending void of the same event id from another device, or
   * of this device from another store, is refused. Null: the line is not voided.
   */
  voidOf(line: VoidableLine, saleDate: string, at: string): number | null {
    if (!this.open || line.event_id === null) return null
    let voidId: number | null = null
    for (const found of this.openFor.all(line.event_id)) {
      const fields = { void_id: found.void_id, at, line_bronze_id: line.id, line_store_id: line.store_id, line_sale_date: saleDate }
      if (found.state === 'applied') {
        if (found.line_bronze_id !== line.id) continue
        // Found in bronze before silver had the line (or the line moved day): where it counts now.
        this.updateVoid.run({ ...fields, state: 'applied', reason: null })
        voidId = found.void_id
        continue
      }
      // Event ids are unique per device only: another device's void of its own line of that id.
      if (found.device_id !== line.device_id) continue
      if (found.store_id !== line.store_id) {
        this.updateVoid.run({ ...fields, state: 'refused', reason: otherStore(found.store_id, line.store_id) })
        continue
      }
      if (voidId !== null) {
        this.updateVoid.run({ ...fields, state: 'repeat', reason: `the line was voided already (void ${voidId})` })
        continue
      }
      this.updateVoid.run({ ...fields, state: 'applied', reason: null })
      voidId = found.void_id
    }
    return voidId
  }

  /** Takes up to `limit` voids bronze received after `afterId`; returns the last one taken (the voids' watermark). */
  takeNew(afterId: number, limit: number, at: string, lines: VoidedLines): number {
    let watermark = afterId
    for (const received of this.selectNew.all(afterId, limit)) {
      this.take(received, at, lines)
      watermark = received.id
    }
    if (watermark !== afterId) this.open = true
    return watermark
  }

  private take(received: BronzeVoid, at: string, lines: VoidedLines): void {
    const record = (state: VoidState, reason: string | null, line?: { id: number; store_id: string; sale_date: string | null }): void =>
      void this.insertVoid.run({
        void_id: received.id,
        event_id: received.event_id,
        device_id: received.device_id,
        store_id: received.store_id,
        void_of: received.void_of,
        sale_ts_ms: received.sale_ts_ms,
        state,
        reason,
        line_bronze_id: line?.id ?? null,
        line_store_id: line?.store_id ?? null,
        line_sale_date: line?.sale_date ?? null,
        at,
      })
    const earlier = this.openFor.all(received.void_of).find((found) => found.device_id === received.device_id && found.store_id === received.store_id)
    if (earlier !== undefined) {
      record('repeat', `the line is voided already (void ${earlier.event_id ?? earlier.void_id})`)
      return
    }
    const line = this.findLine(received.device_id, received.void_of, received.sale_ts_ms)
    if (line === undefined) {
      record('pending', null)
      return
    }
    if (line.store_id !== received.store_id) {
      record('refused', otherStore(received.store_id, line.store_id), { id: line.id, store_id: line.store_id, sale_date: null })
      return
    }
    const silver = lines.find(line.id)
    if (silver === undefined) {
      // In bronze, not in silver: not reached yet, or kept out by a rule; its enrichment applies the void.
      record('applied', null, { id: line.id, store_id: line.store_id, sale_date: null })
      return
    }
    if (silver.voided_by !== null) {
      record('repeat', `the line is voided already (void ${silver.voided_by})`, { id: line.id, store_id: silver.store_id, sale_date: silver.sale_date })
      return
    }
    record('applied', null, { id: line.id, store_id: silver.store_id, sale_date: silver.sale_date })
    lines.markVoided(line.id, received.id, silver)
  }

  /** The device's line with this event id, from VOID_LOOKBACK_DAYS before the void's time to a day after it. */
  private findLine(deviceId: string, eventId: string, voidTsMs: number): { id: number; store_id: string } | undefined {
    const hash = hash53(eventIdentity(deviceId, eventId))
    return (
      this.lineBefore.get(voidTsMs - VOID_LOOKBACK_DAYS * DAY_MS, voidTsMs, hash, deviceId, eventId) ??
      this.lineAfter.get(voidTsMs + 1, voidTsMs + VOID_LOOKAHEAD_MS, hash, deviceId, eventId)
    )
  }
}

function otherStore(voidStore: string, lineStore: string): string {
  return `the line was sold in ${lineStore}, the void came from ${voidStore}: a void cancels a line of its own store`
}
