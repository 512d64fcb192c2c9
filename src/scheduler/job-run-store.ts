import type { SqliteDatabase } from '../db/open.js'

export interface JobRunRecord {
  /** The cron minute (or the moment of an on-demand run) the run was for. */
  scheduledFor: string
  startedAt: string
  durationMs: number
  outcome: 'ok' | 'failed'
  /** The result (JSON) or the error message. */
  summary: string | null
}

export interface JobRunStore {
  get(name: string): JobRunRecord | null
  /** Notes that the run for this minute was started (so a restart does not run it again). */
  markScheduled(name: string, scheduledFor: string): void
  record(name: string, run: JobRunRecord): void
}

/** Job runs in gateway.db (`job_runs`), read by `status`. */
export class SqliteJobRunStore implements JobRunStore {
  private readonly select
  private readonly mark
  private readonly save

  constructor(db: SqliteDatabase) {
    this.select = db.prepare<
      [string],
      { scheduled_for: string; started_at: string | null; duration_ms: number | null; outcome: string | null; summary: string | null }
    >('SELECT scheduled_for, started_at, duration_ms, outcome, summary FROM job_runs WHERE name = ?')
    this.mark = db.prepare(`INSERT INTO job_runs (name, scheduled_for) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET scheduled_for = excluded.scheduled_for`)
    this.save = db.prepare(`INSERT INTO job_runs (name, scheduled_for, started_at, duration_ms, outcome, summary) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET scheduled_for = excluded.scheduled_for, started_at = excluded.started_at,
        duration_ms = excluded.duration_ms, outcome = excluded.outcome, summary = excluded.summary`)
  }

  get(name: string): JobRunRecord | null {
    const row = this.select.get(name)
    if (!row) return null
    return {
      scheduledFor: row.scheduled_for,
      startedAt: row.started_at ?? '',
      durationMs: row.duration_ms ?? 0,
      outcome: (row.outcome ?? 'ok') as JobRunRecord['outcome'],
      summary: row.summary,
    }
  }

  markScheduled(name: string, scheduledFor: string): void {
    this.mark.run(name, scheduledFor)
  }

  record(name: string, run: JobRunRecord): void {
    this.save.run(name, run.scheduledFor, run.startedAt, run.durationMs, run.outcome, run.summary)
  }
}

/** Each job's last run as `status` shows it. */
export interface JobRunSummary {
  name: string
  scheduledFor: string
  startedAt: string | null
  durationMs: number | null
  outcome: string | null
  summary: string | null
}

/** The last run of every job, by name, read on any connection to gateway.db. */
export function readJobRuns(db: SqliteDatabase): JobRunSummary[] {
  return db
    .prepare('SELECT name, scheduled_for AS scheduledFor, started_at AS startedAt, duration_ms AS durationMs, outcome, summary FROM job_runs ORDER BY name')
    .all() as JobRunSummary[]
}
