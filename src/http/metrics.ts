import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { IngestTotals } from '../pipeline/group-commit.js'
import type { FairShareCounts } from '../broker/mqtt-broker.js'
import type { GoldProgress } from '../pipeline/gold-thread.js'
import type { SilverProgress } from '../pipeline/pipeline.js'
import type { JobStatus } from '../scheduler/scheduler.js'
import type { DiskState } from '../db/disk-space.js'
import type { Backlog } from '../delivery/outbox.js'
import type { StorageReport } from '../retention/storage-report.js'
import type { ExpectationViolations } from '../silver/silver-status.js'
import type { RejectNoticeCounts } from '../broker/reject-notices.js'

/** Where the metrics come from, read at each scrape (no counters to keep in step). */
export interface MetricSources {
  ingest: () => IngestTotals
  connectedClients: () => number
  refused: () => { connect: number; publish: number; subscribe: number }
  /** What the broker closed, refused and delayed to share itself fairly (undefined before it starts). */
  fairShare: () => FairShareCounts | undefined
  rejectNotices: () => RejectNoticeCounts | undefined
  silver: () => SilverProgress
  expectations: () => ExpectationViolations[]
  gold: () => GoldProgress
  jobs: () => JobStatus[]
  backlog: () => Backlog
  disk: () => DiskState
  /** Each device's last accepted sale (bronze.device_activity). */
  devices: () => { device_id: string; store_id: string; last_received_at: string }[]
  /** Each store's products out of stock and running low now (gold.fact_inventory's last day; stores without inventory left out). */
  stock: () => { storeId: string; out: number; low: number }[]
  /** The database files and retention (undefined until the daemon opened its files). */
  storage: () => StorageReport | undefined
}

/** A Prometheus registry of the daemon's state, plus Node's process metrics (CPU, RSS, event loop). */
export function createMetrics(sources: MetricSources): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'medallion_' })
  // prom-client names these gauges *_total, which Prometheus reserves for counters (promtool says
  // so); their per-type gauges stay, and sum() gives the total.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) registry.removeSingleMetric(`medallion_nodejs_${name}`)
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset()
        collect(this)
      },
    })
  }
  // Totals kept by the daemon and read at each scrape, typed as counters (promtool checks it).
  const counter = (name: string, help: string, labelNames: string[], collect: (c: TotalSetter) => void): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset()
        collect(totalSetter(this))
      },
    })
  }
  counter('medallion_ingest_messages_total', 'MQTT messages committed to bronze since start', [], (g) => g.set(sources.ingest().messages))
  counter('medallion_ingest_sales_total', 'Events (sale lines, voids, inventory events) by outcome since start', ['outcome'], (g) => {
    const totals = sources.ingest()
    g.set({ outcome: 'accepted' }, totals.accepted)
    g.set({ outcome: 'duplicate' }, totals.duplicates)
    g.set({ outcome: 'rejected' }, totals.rejected)
  })
  counter('medallion_ingest_rejects_total', 'Rejected messages or items by reason since start', ['reason'], (g) => {
    for (const [reason, count] of Object.entries(sources.ingest().rejectReasons)) g.set({ reason }, count)
  })
  counter(
    'medallion_inventory_events_total',
    'Inventory events by type (count, receipt, adjustment; invalid: refused without a known type) and outcome since start',
    ['type', 'outcome'],
    (g) => {
      for (const [key, count] of Object.entries(sources.ingest().inventory)) {
        const [type, outcome] = key.split(':') as [string, string]
        g.set({ type, outcome }, count)
      }
    },
  )
  gauge('medallion_inventory_products_out_of_stock', "Products whose stock is known and at 0 or below, by store (gold's last day)", ['store_id'], (g) => {
    for (const store of sources.stock()) g.set({ store_id: store.storeId }, store.out)
  })
  gauge('medallion_inventory_products_low', 'Products in stock with fewer days of cover than inventory.lowDays, by store', ['store_id'], (g) => {
    for (const store of sources.stock()) g.set({ store_id: store.storeId }, store.low)
  })
  counter('medallion_ingest_commits_total', 'Bronze group commits since start', [], (g) => g.set(sources.ingest().commits))
  gauge('medallion_mqtt_connected_clients', 'Open MQTT connections', [], (g) => g.set(sources.connectedClients()))
  counter('medallion_mqtt_refused_total', 'Refused connects, publishes and subscribes since start', ['what'], (g) => {
    for (const [what, count] of Object.entries(sources.refused())) g.set({ what }, count)
  })
  counter('medallion_mqtt_connections_closed_total', 'Connections the broker closed to share itself fairly, by reason, since start', ['reason'], (g) => {
    for (const [reason, count] of Object.entries(sources.fairShare()?.closed ?? {})) g.set({ reason }, count)
  })
  counter('medallion_mqtt_connects_refused_total', 'CONNECTs refused with return code 3 (server unavailable), by reason, since start', ['reason'], (g) => {
    for (const [reason, count] of Object.entries(sources.fairShare()?.refused ?? {})) g.set({ reason }, count)
  })
  counter('medallion_mqtt_publishes_delayed_total', "Publishes that waited for their device's rate (mqtt.perDevice) since start", [], (g) =>
    g.set(sources.fairShare()?.delayed.messages ?? 0),
  )
  counter('medallion_mqtt_publish_delay_seconds_total', "Time publishes waited for their device's rate, summed, since start", [], (g) =>
    g.set((sources.fairShare()?.delayed.ms ?? 0) / 1000),
  )
  counter(
    'medallion_mqtt_reject_notices_total',
    'Refusals told to devices on their rejects topic, since start: sent one by one, summaries, summarized (counted in a summary), unheard (the device was not subscribed)',
    ['outcome'],
    (g) => {
      for (const [outcome, count] of Object.entries(sources.rejectNotices() ?? {})) g.set({ outcome }, count)
    },
  )
  gauge('medallion_mqtt_pending_connections', 'Connections that have not completed CONNECT', [], (g) => g.set(sources.fairShare()?.pendingConnections ?? 0))
  gauge('medallion_mqtt_anonymous_connections', 'Anonymous clients connected', [], (g) => g.set(sources.fairShare()?.anonymousConnections ?? 0))
  gauge('medallion_mqtt_buffered_bytes', 'Bytes of packets not yet received whole, over all connections', [], (g) =>
    g.set(sources.fairShare()?.bufferedBytes ?? 0),
  )
  gauge('medallion_silver_watermark', 'Last bronze id enriched into silver', [], (g) => g.set(sources.silver().watermark))
  counter('medallion_silver_sales_total', 'Silver outcomes since start', ['outcome'], (g) => {
    const silver = sources.silver()
    g.set({ outcome: 'enriched' }, silver.enriched)
    g.set({ outcome: 'quarantined' }, silver.quarantined)
    g.set({ outcome: 'warned' }, silver.warned)
  })
  gauge('medallion_silver_stopped', '1 when a fail expectation stopped silver', [], (g) => g.set(sources.silver().failure ? 1 : 0))
  counter('medallion_expectation_violations_total', 'Violations per expectation (all time)', ['rule', 'action'], (g) => {
    for (const rule of sources.expectations()) g.set({ rule: rule.rule, action: rule.action }, rule.violations)
  })
  gauge('medallion_gold_caught_up_timestamp_seconds', 'When gold last caught up with silver', [], (g) => {
    const at = sources.gold().caughtUpAt
    if (at) g.set(Date.parse(at) / 1000)
  })
  counter('medallion_gold_refreshes_total', 'Gold refresh steps since start', [], (g) => g.set(sources.gold().refreshes))
  gauge('medallion_job_last_duration_seconds', "Duration of each job's last run", ['job'], (g) => {
    for (const job of sources.jobs()) if (job.last?.startedAt) g.set({ job: job.name }, job.last.durationMs / 1000)
  })
  gauge('medallion_job_last_success', "1 when the job's last run succeeded, 0 when it failed", ['job'], (g) => {
    for (const job of sources.jobs()) if (job.last?.startedAt) g.set({ job: job.name }, job.last.outcome === 'ok' ? 1 : 0)
  })
  counter('medallion_job_skipped_overlaps_total', 'Runs skipped because the previous one still ran', ['job'], (g) => {
    for (const job of sources.jobs()) g.set({ job: job.name }, job.skippedOverlaps)
  })
  gauge('medallion_upload_backlog_snapshots', 'Snapshots waiting to be shipped', [], (g) => g.set(sources.backlog().pending))
  gauge('medallion_upload_backlog_oldest_date_seconds', 'Sale date of the oldest unshipped snapshot (epoch seconds)', [], (g) => {
    const oldest = sources.backlog().oldestDate
    if (oldest) g.set(Date.parse(`${oldest}T00:00:00Z`) / 1000)
  })
  gauge('medallion_disk_free_bytes', "Free space on the data directory's filesystem (as of the last check, every second)", [], (g) => {
    const free = sources.disk().freeBytes
    if (Number.isFinite(free)) g.set(free)
  })
  gauge('medallion_disk_reserve_bytes', 'storage.reserveMiB in bytes: under it new sales are not acked', [], (g) => g.set(sources.disk().reserveBytes))
  gauge('medallion_disk_full', '1 while the disk is full (or under the reserve): new sales are not acked', [], (g) => g.set(sources.disk().low ? 1 : 0))
  counter('medallion_gold_refresh_errors_total', 'Gold refresh steps that failed since start (a busy gold.db is not a failure)', [], (g) =>
    g.set(sources.gold().errors),
  )
  counter('medallion_gold_refresh_busy_total', 'Gold refresh steps put off because another process held gold.db (a gold rebuild)', [], (g) =>
    g.set(sources.gold().busy),
  )
  gauge(
    'medallion_device_last_sale_timestamp_seconds',
    "When each device's last new sale was received (alert on a till gone quiet)",
    ['device_id', 'store_id'],
    (g) => {
      for (const device of sources.devices()) g.set({ device_id: device.device_id, store_id: device.store_id }, Date.parse(device.last_received_at) / 1000)
    },
  )
  gauge('medallion_database_bytes', 'Size of each database file with its WAL', ['file'], (g) => {
    for (const [file, bytes] of Object.entries(sources.storage()?.fileBytes ?? {})) g.set({ file }, bytes)
  })
  gauge('medallion_bronze_oldest_received_timestamp_seconds', 'When the oldest sale bronze still holds was received (retention keeps it bounded)', [], (g) => {
    const oldest = sources.storage()?.oldestBronzeReceivedAt
    if (oldest) g.set(Date.parse(oldest) / 1000)
  })
  counter('medallion_rejects_dropped_total', 'Rejects dropped, oldest first, to keep them under retention.rejectsMaxMiB', [], (g) =>
    g.set(sources.storage()?.rejectsDropped ?? 0),
  )
  counter('medallion_retention_removed_total', 'What retention removed since the data directory was made', ['what'], (g) => {
    const totals = sources.storage()?.retention.totals ?? {}
    for (const [what, key] of RETENTION_COUNTS) g.set({ what }, totals[key] ?? 0)
  })
  counter('medallion_retention_freed_bytes_total', 'Bytes retention gave back to the filesystem since the data directory was made', [], (g) => {
    g.set(sources.storage()?.retention.totals.freedBytes ?? 0)
  })
  return registry
}

/** The `what` label of medallion_retention_removed_total, and its retention total. */
const RETENTION_COUNTS = [
  ['store_days', 'prunedDays'],
  ['bronze_rows', 'bronzeRows'],
  ['silver_rows', 'silverRows'],
  ['quarantine_rows', 'quarantineRows'],
  ['void_rows', 'voidRows'],
  ['reject_rows', 'rejectRows'],
  ['gold_store_days', 'goldDays'],
] as const

/** How a counter's collect sets a total: `inc` from zero after a reset. */
interface TotalSetter {
  set(value: number): void
  set(labels: Record<string, string>, value: number): void
}

function totalSetter(counter: Counter): TotalSetter {
  return {
    set(labelsOrValue: Record<string, string> | number, value?: number): void {
      if (typeof labelsOrValue === 'number') counter.inc(labelsOrValue)
      else counter.inc(labelsOrValue, value ?? 0)
    },
  }
}
