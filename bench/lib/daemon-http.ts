import type { Target } from './targets.js'

/** How far each stage of the running daemon got, from one scrape of its /metrics. */
export interface StageCounts {
  /** Sales stored in bronze since the daemon started (medallion_ingest_sales_total{outcome="accepted"}). */
  bronze: number
  /**
   * The last bronze id silver enriched (medallion_silver_watermark). On a data dir the daemon
   * started empty, bronze ids count the stored sales, so this is silver's count in bronze's terms.
   */
  silver: number
  /** When gold last caught up with silver, epoch ms (medallion_gold_caught_up_timestamp_seconds), if it did. */
  goldCaughtUpMs: number | null
}

const REQUEST_TIMEOUT_MS = 10_000

function base(target: Target): string {
  if (target.httpPort === undefined) throw new Error(`${target.name} has no HTTP port`)
  return `http://127.0.0.1:${target.httpPort}`
}

function headers(target: Target): Record<string, string> {
  return target.staffToken ? { authorization: `Bearer ${target.staffToken}` } : {}
}

/** The value of one sample of a Prometheus text exposition (`name{labels} value`), or undefined. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  const key = labels === '' ? name : `${name}{${labels}}`
  for (const line of text.split('\n')) {
    if (line.startsWith(key) && line.charAt(key.length) === ' ') return Number(line.slice(key.length + 1).split(' ')[0])
  }
  return undefined
}

/** Scrapes the daemon's /metrics (staff token) for its stage counts. */
export async function scrapeStages(target: Target): Promise<StageCounts> {
  const response = await fetch(`${base(target)}/metrics`, { headers: headers(target), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  if (!response.ok) throw new Error(`GET /metrics: ${response.status} ${await response.text()}`)
  const text = await response.text()
  const bronze = metricValue(text, 'medallion_ingest_sales_total', 'outcome="accepted"')
  const silver = metricValue(text, 'medallion_silver_watermark')
  if (bronze === undefined || silver === undefined) throw new Error('GET /metrics: medallion_ingest_sales_total or medallion_silver_watermark is missing')
  const caughtUp = metricValue(text, 'medallion_gold_caught_up_timestamp_seconds')
  return { bronze, silver, goldCaughtUpMs: caughtUp === undefined ? null : caughtUp * 1000 }
}

/** The staff totals' sales count (GET /api/v1/totals?date=D), summed over the store dates given. */
export async function totalsSalesCount(target: Target, dates: readonly string[]): Promise<number> {
  let count = 0
  for (const date of dates) {
    const response = await fetch(`${base(target)}/api/v1/totals?date=${date}`, { headers: headers(target), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    if (!response.ok) throw new Error(`GET /api/v1/totals: ${response.status} ${await response.text()}`)
    count += ((await response.json()) as { sales_count: number }).sales_count
  }
  return count
}

/**
 * The store dates (UTC: the bench daemon's time zone) from `sinceMs` to now: the days the bench's
 * sales fall on, since the generator stamps each sale with the current time.
 */
export function utcDatesSince(sinceMs: number, nowMs = Date.now()): string[] {
  const dates: string[] = []
  for (let day = Math.floor(sinceMs / 86_400_000); day <= Math.floor(nowMs / 86_400_000); day++) {
    dates.push(new Date(day * 86_400_000).toISOString().slice(0, 10))
  }
  return dates
}
