import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import type { DiskSpace } from '../db/disk-space.js'
import type { StoreRecord } from '../gold/gold-reader.js'
import { SHIPPED_TABLE_NAMES } from '../gold/gold-tables.js'
import type { GoldThread } from '../pipeline/gold-thread.js'
import { buildApp } from '../http/app.js'
import type { LiveOptions } from '../http/live/live-day-hub.js'
import { DashboardAssets } from '../http/dashboard-assets.js'
import { importStockJob } from '../jobs/stock-import-job.js'
import { deviceHealth, pipelineHealth, type HealthSources } from '../http/health-report.js'
import { createMetrics } from '../http/metrics.js'
import { HttpsRedirect } from '../http/https-redirect.js'
import { RoleCheck } from '../http/roles.js'
import { listen, useCertificate } from '../http/server.js'
import type { Pipeline } from '../pipeline/pipeline.js'
import { readStorage } from '../retention/storage-report.js'
import type { Clock } from '../util/clock.js'
import type { Part } from '../util/parts.js'
import { dateIn } from '../util/zoned-time.js'
import { readTlsCredentials, type TlsCredentials } from '../util/tls-credentials.js'
import type { DataFiles } from './data-files.js'
import type { MqttIntake } from './mqtt-intake.js'
import type { ScheduledWork } from './scheduled-work.js'

/** Storage figures (a directory walk) are read at most this often, however often metrics are scraped. */
const SCRAPE_MS = 1000

export interface HttpApiDeps {
  config: Readonly<Config>
  files: DataFiles
  disk: DiskSpace
  pipeline: Pipeline
  gold: GoldThread
  mqtt: MqttIntake
  work: ScheduledWork
  clock: Clock
  logger: Logger
  /** The built staff page (default: dist/http/dashboard next to the running code). */
  dashboardDir?: string
  /** The live stream's pace (default: app.ts's LIVE_DEFAULTS); tests set it. */
  live?: Partial<LiveOptions>
}

/**
 * The HTTP API (fastify): the staff page and its data, the health panels, central's pull,
 * /metrics and /readyz, each answered from the part that knows it. Built up front (its routes are
 * there before the start); it listens last, once everything it reads is running.
 */
export class HttpApi implements Part {
  readonly name = 'HTTP'
  readonly app: FastifyInstance
  readonly roles: RoleCheck
  /** `http.tls.redirectPort`'s plain listener. */
  readonly redirect = new HttpsRedirect()

  constructor(private readonly deps: HttpApiDeps) {
    const { config, files, disk, pipeline, gold, mqtt, work, clock, logger, dashboardDir, live } = deps
    const timeZoneOf = (storeId: string): string => (files.started ? files.reader.timeZoneOf(storeId) : undefined) ?? config.timezone
    const health: HealthSources = {
      now: () => clock.now(),
      timeZoneOf,
      newestSale: () => files.bronze.newestSale(),
      silver: () => pipeline.silver,
      receivedAfter: (id) => files.bronze.receivedAfter(id),
      gold: () => ({ caughtUpAt: gold.progress.caughtUpAt, pendingChanges: files.reader.pendingDayChanges(), lastError: gold.progress.lastError }),
      rejectsSince: (since) => files.bronze.rejectsSince(since),
      upload: () => ({ ...files.outbox.backlog(), target: config.upload.target }),
      connectedClientIds: () => mqtt.connectedClientIds(),
      registeredDevices: () => mqtt.registeredDevices(),
      deviceActivity: () => files.bronze.devices(),
      deviceSales: (storeId, date) => files.reader.deviceSales(storeId, date),
      deviceSilentMinutes: config.dashboard.deviceSilentMinutes,
    }
    this.roles = new RoleCheck(config.http.tokens)
    this.app = buildApp(
      {
        storeId: config.storeId,
        timeZoneOf,
        roles: this.roles,
        logger: logger.child({ component: 'http' }),
        now: () => clock.now(),
        totals: (storeId, date, now) => files.reader.totals(storeId, date, now),
        topProducts: (storeId, date, limit) => files.reader.topProducts(storeId, date, limit),
        day: (storeId, date, now, limit) => files.reader.day(storeId, date, now, limit),
        inventoryDay: (storeId, date, query) => files.reader.stock.day(storeId, date, { ...query, lowDays: config.inventory.lowDays }),
        importStock: (body, format, deviceId, allowRejects) => importStockJob(config, body, format, deviceId, allowRejects),
        goldAsOf: () => files.reader.caughtUpAt(),
        stockPosition: (storeId, date) => files.reader.stock.position(storeId, date, config.inventory.lowDays),
        inventoryNow: (storeId, today, query) => files.reader.stock.now(storeId, today, { ...query, lowDays: config.inventory.lowDays }),
        stores: () => storesOf(config, files.reader.stores(), health),
        refreshedSince: (seq, limit) => files.reader.refreshedSince(seq, limit),
        lastRefreshSeq: () => files.reader.lastRefreshSeq(),
        // Gold's refresh goes to the open staff pages at once; the hub's poll is only the fallback.
        onGoldRefreshed: (listener) => gold.onRefreshed(listener),
        pipelineHealth: (storeId) => pipelineHealth(health, storeId),
        deviceHealth: (storeId) => deviceHealth(health, storeId),
        dashboard: { locale: config.dashboard.locale, currency: config.currency, deviceSilentMinutes: config.dashboard.deviceSilentMinutes },
        assets: DashboardAssets.load({ locale: config.dashboard.locale, currency: config.currency.code }, dashboardDir),
        goldTable: (table, storeId, from, to, limit) => files.reader.table(table, storeId, from, to, limit),
        rejects: (query) => files.bronze.latestRejects(query),
        snapshotsAfter: (after, limit, gatewayId) => files.snapshots.after(after, limit, gatewayId),
        snapshotFile: (snapshotId, path) => files.snapshots.file(snapshotId, path),
        goldTables: SHIPPED_TABLE_NAMES,
        live,
        notReady: () => [
          ...(mqtt.listening ? [] : ['the MQTT broker is not listening']),
          ...(disk.low
            ? [
                `the disk is full: ${Math.round(disk.state().freeBytes / 1048576)} MiB free, storage.reserveMiB is ${config.storage.reserveMiB}: new sales are not acked`,
              ]
            : []),
          ...(pipeline.silver.failure ? [`silver is stopped by expectation ${pipeline.silver.failure.rule}`] : []),
          ...(pipeline.silver.lastError ? [`silver is failing: ${pipeline.silver.lastError}`] : []),
          ...(gold.progress.lastError ? [`gold is failing: ${gold.progress.lastError}`] : []),
        ],
        metrics: createMetrics({
          ingest: () => pipeline.groupCommit.totals,
          connectedClients: () => mqtt.connectedClients,
          refused: () => mqtt.access?.refused ?? { connect: 0, publish: 0, subscribe: 0 },
          fairShare: () => mqtt.fairShare,
          rejectNotices: () => mqtt.rejectNotices,
          silver: () => pipeline.silver,
          expectations: () => files.violations(),
          gold: () => gold.progress,
          backlog: () =>
            files.started
              ? files.outbox.backlog()
              : { pending: 0, oldestDate: null, nextAttemptAt: null, lastError: null, lastShippedAt: null, lastPulledAt: null },
          jobs: () => work.status(),
          disk: () => disk.state(),
          devices: () => (files.started ? files.bronze.devices() : []),
          // Both gauges read it: one read per scrape.
          stock: lastFor(SCRAPE_MS, () =>
            files.started
              ? storesOf(config, files.reader.stores(), health).flatMap(({ store_id: storeId }) => {
                  const counts = files.reader.stock.counts(storeId, dateIn(timeZoneOf(storeId), clock.now()), config.inventory.lowDays)
                  return counts ? [{ storeId, ...counts }] : []
                })
              : [],
          ),
          // Five metrics read it: one read (file sizes, queries on this thread) per scrape.
          storage: lastFor(SCRAPE_MS, () => (files.started ? readStorage(files.db, config.dataDir) : undefined)),
        }),
      },
      { https: config.http.tls !== undefined, trustProxy: config.http.trustProxy },
    )
  }

  /** Listens on http.host:http.port (HTTPS with http.tls), then on the redirect port if one is set. */
  async start(): Promise<void> {
    const { host, port, tls } = this.deps.config.http
    const https = await listen(this.app, host, port, tls && readTlsCredentials(tls, 'http.tls'))
    if (tls?.redirectPort !== undefined) await this.redirect.listen(host, tls.redirectPort, https.port)
  }

  /**
   * Reads http.tls's certificate and key again (a reload after a renewal): new connections get
   * them, open ones (live streams) keep going. Throws TLS_FILES_UNREADABLE, and changes nothing,
   * when the files are not a sound pair. Undefined when the API serves plain HTTP.
   */
  reloadCertificate(): TlsCredentials | undefined {
    const tls = this.deps.config.http.tls
    if (tls === undefined) return undefined
    const credentials = readTlsCredentials(tls, 'http.tls')
    useCertificate(this.app, credentials)
    return credentials
  }

  /** Where it listens, once started. */
  get address(): AddressInfo | undefined {
    return (this.app.server.address() as AddressInfo | null) ?? undefined
  }

  async stop(): Promise<void> {
    await this.redirect.close()
    await this.app.close()
  }
}

/** `read`'s value, read again only once it is `ms` old. */
function lastFor<T>(ms: number, read: () => T): () => T {
  let at = Number.NEGATIVE_INFINITY
  let value: T
  return () => {
    if (Date.now() - at >= ms) {
      value = read()
      at = Date.now()
    }
    return value
  }
}

/**
 * The stores the staff page offers: the config's first, then every store dim_store knows or a
 * device is registered for or sold for, named by dim_store where it can.
 */
function storesOf(config: Readonly<Config>, known: StoreRecord[], health: HealthSources): StoreRecord[] {
  const stores = new Map(known.map((store) => [store.store_id, store]))
  const ids = new Set([
    config.storeId,
    ...stores.keys(),
    ...health.registeredDevices().map((device) => device.storeId),
    ...health.deviceActivity().map((device) => device.store_id),
  ])
  return [...ids]
    .map((id) => stores.get(id) ?? { store_id: id, store_name: id, timezone: config.timezone })
    .sort((a, b) => Number(b.store_id === config.storeId) - Number(a.store_id === config.storeId) || a.store_id.localeCompare(b.store_id))
}
