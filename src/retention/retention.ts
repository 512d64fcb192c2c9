import type { Config } from '../config/schema.js'
import type { SqliteDatabase } from '../db/open.js'
import { uploadTargetNames } from '../delivery/upload-targets.js'
import { newestBronzeSaleId } from '../bronze/bronze-status.js'
import { pruneBronzeEvents, pruneRejects } from '../bronze/prune-bronze.js'
import { goldProgress } from '../gold/gold-status.js'
import { goldPrunedDaysWithRows, pruneGoldDays, trimRefreshLog } from '../gold/prune-gold.js'
import { pulledSeq } from '../delivery/delivery-state.js'
import { snapshotWatermark } from '../snapshot/snapshot-catalog.js'
import { addDays } from '../util/calendar-date.js'
import { dateIn } from '../util/zoned-time.js'
import { compactDatabases } from './compact.js'
import { newestDayChange } from '../silver/day-changes.js'
import { newestEnrichedBronzeId, oldestSilverDay, silverWatermark } from '../silver/silver-status.js'
import {
  bronzeIdsQuarantinedBefore,
  markDaysPruned,
  markGoldPruned,
  bronzeIdsOfDay,
  DAY_ROWS,
  markedDaysWith,
  pruneDayRows,
  bronzeIdsOfForgettableVoids,
  pruneQuarantine,
  pruneVoids,
  type PrunedDay,
} from '../silver/prune-silver.js'

export interface RetentionSettings {
  salesDays: number
  rejectsDays: number
  goldDays: number
  /** The config's time zone: which day "today" is. */
  timezone: string
  /** The upload targets (empty: central pulls). */
  targets: readonly string[]
  /** How long to wait for silver and gold to take in what bronze held at the start (default 30 s). */
  catchUpWaitMs?: number
}

export interface RetentionOutcome {
  /** Why no sales were pruned this time (silver or gold behind), or null. */
  salesWait: string | null
  /** Store-days whose bronze and silver sales were pruned (delivered, older than salesDays). */
  prunedDays: number
  bronzeRows: number
  silverRows: number
  quarantineRows: number
  /** Voids forgotten: applied ones with their line's day pruned, others older than salesDays. */
  voidRows: number
  rejectRows: number
  goldDays: number
  /** Bytes the database files (and their WAL) gave back to the filesystem. */
  freedBytes: number
  /** The oldest store-local date bronze and silver still hold, or null. */
  oldestSalesDay: string | null
}

/** Store-days pruned per transaction: each is a handful of short transactions, ingest goes on. */
const DAYS_PER_STEP = 31

/**
 * One retention run (docs/operations.md), on a connection with every layer attached:
 *
 * 1. bronze and silver sales of store-days older than `salesDays` go, only once the day's current
 *    snapshot is delivered (shipped to the configured target, or acknowledged by central's pull)
 *    and made after the day's last gold change, and only once silver and gold have taken in every
 *    sale bronze held when the run started (so no sale of such a day waits in between). The day is first marked in `silver.pruned_days`, so
 *    gold never recomputes it from the empty silver (gold keeps it), and a late sale for it is
 *    quarantined; a run cut short finishes the marked days the next time;
 * 2. sales quarantined more than `salesDays` ago go, with their bronze rows; so do voids applied
 *    to a pruned day's line, and other voids (pending, repeats, refused) older than `salesDays`;
 * 3. rejects older than `rejectsDays` go (their byte bound is kept at every commit);
 * 4. gold of pruned days older than `goldDays` goes;
 * 5. gold's refresh log is trimmed to what snapshots have not read;
 * 6. the freed pages go back to the filesystem (incremental vacuum, WAL truncated).
 */
export function runRetention(db: SqliteDatabase, settings: RetentionSettings, nowMs: number): RetentionOutcome {
  const outcome: RetentionOutcome = {
    salesWait: null,
    prunedDays: 0,
    bronzeRows: 0,
    silverRows: 0,
    quarantineRows: 0,
    voidRows: 0,
    rejectRows: 0,
    goldDays: 0,
    freedBytes: 0,
    oldestSalesDay: null,
  }
  const today = dateIn(settings.timezone, nowMs)
  const salesCutoff = addDays(today, -settings.salesDays)
  outcome.salesWait = whyNotCaughtUp(db, settings.catchUpWaitMs)
  if (outcome.salesWait === null) {
    for (let days = deliveredDays(db, settings, salesCutoff); days.length > 0; days = deliveredDays(db, settings, salesCutoff)) {
      markDaysPruned(db, days, nowMs)
      outcome.prunedDays += days.length
    }
  }
  finishMarkedDays(db, outcome)
  pruneQuarantined(db, new Date(nowMs - settings.salesDays * 86_400_000).toISOString(), outcome)
  outcome.bronzeRows += pruneBronzeEvents(db, 'iot_sale_voids', bronzeIdsOfForgettableVoids(db, nowMs - settings.salesDays * 86_400_000))
  outcome.voidRows = pruneVoids(db, nowMs - settings.salesDays * 86_400_000)
  outcome.rejectRows = pruneRejects(db, new Date(nowMs - settings.rejectsDays * 86_400_000).toISOString())
  outcome.goldDays = pruneGold(db, addDays(today, -settings.goldDays), nowMs)
  trimRefreshLog(db, snapshotWatermark(db))
  outcome.freedBytes = compactDatabases(db, ['bronze', 'silver', 'gold'])
  outcome.oldestSalesDay = oldestSilverDay(db)
  return outcome
}

/** How long a run waits for silver and gold to take in what bronze held when it started. */
const CATCH_UP_WAIT_MS = 30_000
const CATCH_UP_POLL_MS = 100

const pause = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Sales are pruned only when nothing acked before the run is in between: every bronze sale the run
 * found enriched, and every silver change that made in gold. Under a steady load silver and gold
 * are never level with bronze at one instant, so the run waits (up to CATCH_UP_WAIT_MS) for them to
 * pass where bronze was when it started; a sale acked after that is a late sale (a pruned day's is
 * quarantined as `day_pruned`).
 */
function whyNotCaughtUp(db: SqliteDatabase, waitMs = CATCH_UP_WAIT_MS): string | null {
  const bronze = newestBronzeSaleId(db)
  const deadline = Date.now() + waitMs
  const silverBehind = (): number => bronze - silverWatermark(db)
  while (silverBehind() > 0 && Date.now() < deadline) pause(CATCH_UP_POLL_MS)
  if (silverBehind() > 0) return `silver is ${silverBehind()} sales behind bronze`
  const changes = newestDayChange(db)
  const sales = newestEnrichedBronzeId(db)
  const goldBehind = (): number => {
    const gold = goldProgress(db)
    return changes - gold.dayChangesSeq + Math.max(0, sales - gold.salesThrough)
  }
  while (goldBehind() > 0 && Date.now() < deadline) pause(CATCH_UP_POLL_MS)
  if (goldBehind() > 0) return `gold has ${goldBehind()} silver changes to apply`
  return null
}

/** Store-days before the cutoff whose current snapshot is delivered and holds the day's last gold state. */
function deliveredDays(db: SqliteDatabase, settings: RetentionSettings, cutoff: string): PrunedDay[] {
  const watermark = snapshotWatermark(db)
  const delivered =
    settings.targets.length > 0
      ? `EXISTS (SELECT 1 FROM main.outbox o WHERE o.snapshot_id = s.snapshot_id AND o.state = 'shipped' AND o.target IN (SELECT value FROM json_each(?)))`
      : 's.seq <= ?'
  return db
    .prepare(
      `SELECT s.store_id, s.sale_date FROM main.snapshots s
    WHERE s.sale_date < ? AND s.damaged = 0
      AND s.version = (SELECT max(version) FROM main.snapshots n WHERE n.store_id = s.store_id AND n.sale_date = s.sale_date)
      AND ${delivered}
      AND NOT EXISTS (SELECT 1 FROM silver.pruned_days p WHERE p.store_id = s.store_id AND p.sale_date = s.sale_date)
      AND NOT EXISTS (SELECT 1 FROM gold.refreshed_days r WHERE r.store_id = s.store_id AND r.sale_date = s.sale_date AND r.seq > ?)
    ORDER BY s.sale_date, s.store_id LIMIT ${DAYS_PER_STEP}`,
    )
    .all(cutoff, settings.targets.length > 0 ? JSON.stringify(settings.targets) : pulledSeq(db), watermark) as PrunedDay[]
}

/**
 * The sales of marked days: bronze rows first (found through silver), then silver's. A run cut
 * short between the two leaves silver rows of a marked day, which the next run finishes.
 */
function finishMarkedDays(db: SqliteDatabase, outcome: RetentionOutcome): void {
  // A day's inventory movements go with its sales (its stock rows stay in gold: the days after start from them).
  for (const rows of [DAY_ROWS.sales, DAY_ROWS.movements]) {
    for (const day of markedDaysWith(db, rows)) {
      outcome.bronzeRows += pruneBronzeEvents(db, rows.bronze, bronzeIdsOfDay(db, rows, day))
      outcome.silverRows += pruneDayRows(db, rows, day)
    }
  }
}

/**
 * Sales quarantined before the cutoff instant, with their bronze rows: by when they were
 * quarantined, so even a replay of an old sale stays visible for `salesDays`.
 */
function pruneQuarantined(db: SqliteDatabase, beforeIso: string, outcome: RetentionOutcome): void {
  outcome.bronzeRows += pruneBronzeEvents(db, 'iot_sales_raw', bronzeIdsQuarantinedBefore(db, beforeIso))
  outcome.quarantineRows += pruneQuarantine(db, beforeIso)
}

/**
 * Gold of pruned days older than its cutoff, every table, and their refresh log. Only pruned days:
 * a day whose snapshot was never delivered keeps its gold whatever its age. Silver marks the days
 * first (`gold_pruned_at`), then gold deletes what it still holds of every marked day.
 */
function pruneGold(db: SqliteDatabase, cutoff: string, nowMs: number): number {
  markGoldPruned(db, cutoff, nowMs, DAYS_PER_STEP)
  return pruneGoldDays(db, goldPrunedDaysWithRows(db), DAYS_PER_STEP)
}

/** A run with the config's horizons and upload targets, noted in gateway.db: the job's and `retention run`'s. */
export function retainNow(db: SqliteDatabase, config: Readonly<Config>): RetentionOutcome {
  const outcome = runRetention(db, { ...config.retention, timezone: config.timezone, targets: uploadTargetNames(config.upload) }, Date.now())
  recordRetention(db, outcome, Date.now())
  return outcome
}

/** Notes a run in gateway.db: its outcome, and running totals (for status and the metrics). */
export function recordRetention(db: SqliteDatabase, outcome: RetentionOutcome, nowMs: number): void {
  const set = db.prepare('INSERT OR REPLACE INTO main.retention_state (name, value) VALUES (?, ?)')
  const add = db.prepare(`INSERT INTO main.retention_state (name, value) VALUES (?, ?)
    ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`)
  db.transaction(() => {
    set.run('last_run_at', new Date(nowMs).toISOString())
    set.run('last_outcome', JSON.stringify(outcome))
    for (const key of ['prunedDays', 'bronzeRows', 'silverRows', 'quarantineRows', 'rejectRows', 'goldDays', 'freedBytes'] as const)
      add.run(`${key}_total`, outcome[key])
  })()
}

/** What retention did so far: the last run and the totals (null before the first run). */
export function readRetention(db: SqliteDatabase): { lastRunAt: string | null; last: RetentionOutcome | null; totals: Record<string, number> } {
  const rows = db.prepare('SELECT name, value FROM main.retention_state').all() as { name: string; value: unknown }[]
  const value = (name: string): unknown => rows.find((row) => row.name === name)?.value
  return {
    lastRunAt: (value('last_run_at') as string | undefined) ?? null,
    last: value('last_outcome') === undefined ? null : (JSON.parse(value('last_outcome') as string) as RetentionOutcome),
    totals: Object.fromEntries(rows.filter((row) => row.name.endsWith('_total')).map((row) => [row.name.replace(/_total$/, ''), row.value as number])),
  }
}
