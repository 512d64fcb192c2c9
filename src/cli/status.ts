import { Command } from 'commander'
import { existsSync, statfsSync } from 'node:fs'
import type { Config } from '../config/schema.js'
import { databaseFile, openDatabase } from '../db/open.js'
import { countDevices } from '../broker/device-registry.js'
import { readBronzeStatus, type BronzeStatus } from '../bronze/bronze-status.js'
import { oldestGoldDay, readGoldStatus, type GoldStatus } from '../gold/gold-status.js'
import { readJobRuns, type JobRunSummary } from '../scheduler/job-run-store.js'
import { oldestSilverDay, readSilverStatus, type SilverStatus } from '../silver/silver-status.js'
import { readDeliveryStatus, type DeliveryStatus } from '../delivery/delivery-status.js'
import { readSnapshotStatus, type MadeSnapshots } from '../snapshot/snapshot-status.js'
import { readStorage, type StorageReport } from '../retention/storage-report.js'
import { DaemonLock, type DaemonState } from '../db/daemon-lock.js'
import { configOption, loadFromOptions } from './options.js'

export interface StatusReport {
  config: string
  dataDir: string
  storeId: string
  /** From the daemon's lock and pid file, not from a port (the config's may not be the one it runs with). */
  daemon: DaemonState
  /** The data directory's filesystem: free space against storage.reserveMiB (under it, sales are not acked). */
  disk: { freeBytes: number; reserveBytes: number; low: boolean } | null
  devices: number | null
  bronze: BronzeStatus | null
  silver: SilverStatus | null
  jobs: JobRunSummary[]
  gold: GoldStatus | null
  /** The snapshots made (snapshot/) and what waits to ship (delivery/). */
  snapshots: (MadeSnapshots & DeliveryStatus) | null
  /** The database files' sizes and what retention did. */
  storage: StorageReport | null
  /** The oldest store-local day each layer still holds (retention's horizon), null when empty. */
  oldestDay: { sales: string | null; gold: string | null } | null
}

/** Reads the stores without changing them; works whether the daemon runs or not. */
export async function readStatus(config: Readonly<Config>, source: string): Promise<StatusReport> {
  const report: StatusReport = {
    config: source,
    dataDir: config.dataDir,
    storeId: config.storeId,
    daemon: existsSync(config.dataDir)
      ? DaemonLock.inspect(config.dataDir)
      : { running: false, state: 'never-ran', pid: null, startedAt: null, stoppedAt: null, lastWriteAt: null },
    disk: diskOf(config),
    devices: null,
    bronze: null,
    silver: null,
    jobs: [],
    gold: null,
    snapshots: null,
    storage: null,
    oldestDay: null,
  }
  if (!existsSync(databaseFile(config.dataDir, 'main')) || !existsSync(databaseFile(config.dataDir, 'bronze'))) return report
  const hasSilver = existsSync(databaseFile(config.dataDir, 'silver'))
  const hasGold = hasSilver && existsSync(databaseFile(config.dataDir, 'gold'))
  const db = openDatabase({
    dataDir: config.dataDir,
    attach: ['bronze', ...(hasSilver ? ['silver' as const] : []), ...(hasGold ? ['gold' as const] : [])],
    readonly: true,
  })
  try {
    report.devices = countDevices(db)
    report.bronze = readBronzeStatus(db)
    report.snapshots = { ...readSnapshotStatus(db), ...readDeliveryStatus(db) }
    report.jobs = readJobRuns(db)
    report.storage = readStorage(db, config.dataDir)
    if (hasSilver) report.silver = readSilverStatus(db)
    if (hasGold) {
      report.oldestDay = { sales: oldestSilverDay(db), gold: oldestGoldDay(db) }
      report.gold = readGoldStatus(db)
    }
  } finally {
    db.close()
  }
  return report
}

function diskOf(config: Readonly<Config>): StatusReport['disk'] {
  try {
    const stats = statfsSync(config.dataDir)
    const freeBytes = stats.bavail * stats.bsize
    const reserveBytes = config.storage.reserveMiB * 1024 * 1024
    return { freeBytes, reserveBytes, low: freeBytes < reserveBytes }
  } catch {
    return null
  }
}

function describeDaemon(daemon: DaemonState): string {
  switch (daemon.state) {
    case 'running':
      return `running (pid ${daemon.pid ?? '?'}, since ${daemon.startedAt ?? '?'})`
    case 'stopped':
      return `not running: stopped cleanly at ${daemon.stoppedAt} (pid ${daemon.pid}, started ${daemon.startedAt})`
    case 'crashed':
      return `not running: it did not stop cleanly (crashed, killed, or the power went; pid ${daemon.pid ?? '?'}, started ${daemon.startedAt}, files last written ${daemon.lastWriteAt ?? 'never'}): journalctl -u medallion-edge says why`
    case 'never-ran':
      return 'not running: no daemon has run on this data directory yet'
  }
}

function describe(report: StatusReport): string {
  const lines = [`config   ${report.config}`, `data     ${report.dataDir} (store ${report.storeId})`, `daemon   ${describeDaemon(report.daemon)}`]
  if (report.disk) {
    const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`
    lines.push(
      `disk     ${mib(report.disk.freeBytes)} free, reserve ${mib(report.disk.reserveBytes)}${report.disk.low ? ': FULL, new sales are not acked until space returns' : ''}`,
    )
  }
  if (report.bronze === null) {
    lines.push('bronze   no data yet')
  } else {
    const reasons = Object.entries(report.bronze.rejectsByReason)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ')
    lines.push(`devices  ${report.devices} registered`)
    lines.push(
      `bronze   ${report.bronze.sales} sales, ${report.bronze.inventoryEvents} inventory events, last received ${report.bronze.lastReceivedAt ?? 'never'}`,
    )
    lines.push(`rejects  ${report.bronze.rejects}${reasons ? ` (${reasons})` : ''}`)
  }
  const silver = report.silver
  if (silver) {
    lines.push(
      `silver   ${silver.sales} sales, ${silver.lagRows} behind bronze, ${silver.quarantined} quarantined; unknown product ${silver.unknown.product}, customer ${silver.unknown.customer}, store ${silver.unknown.store}`,
    )
    if (silver.failure) lines.push(`         STOPPED by an expectation: ${JSON.stringify(silver.failure)}`)
    for (const rule of silver.expectations) lines.push(`rule     ${rule.rule} (${rule.action}): ${rule.violations} violations, last ${rule.lastAt}`)
    lines.push(
      `dims     ${Object.entries(silver.dimensions)
        .map(([name, d]) => `${name} ${d.members} (${d.versions} versions)`)
        .join(', ')}`,
    )
    for (const sync of silver.sync)
      lines.push(`sync     ${sync.dimension}: last success ${sync.lastSuccessAt ?? 'never'}${sync.lastError ? `, last error: ${sync.lastError}` : ''}`)
  }
  if (report.gold) {
    lines.push(
      `gold     ${report.gold.days} store-days, caught up with silver at ${report.gold.caughtUpAt ?? 'never'}, ${report.gold.pendingChanges} changes pending`,
    )
  }
  if (report.snapshots) {
    const s = report.snapshots
    lines.push(
      `snapshot ${s.count} snapshots (${(s.diskBytes / 1048576).toFixed(1)} MiB on disk), ${s.pending} to ship${s.oldestPendingDate ? ` from ${s.oldestPendingDate}` : ''}${s.lastError ? `, last error: ${s.lastError}` : ''}`,
    )
  }
  if (report.storage) {
    const storage = report.storage
    const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`
    lines.push(
      `files    ${Object.entries(storage.fileBytes)
        .map(([file, bytes]) => `${file} ${mib(bytes)}`)
        .join(', ')}`,
    )
    if (report.oldestDay)
      lines.push(`oldest   sales of ${report.oldestDay.sales ?? 'no day'} (bronze and silver), gold of ${report.oldestDay.gold ?? 'no day'}`)
    const last = storage.retention.last
    lines.push(
      `retain   ${storage.retention.lastRunAt === null || last === null ? 'not run yet' : `last run ${storage.retention.lastRunAt}: ${last.prunedDays} store-days pruned, ${last.rejectRows} rejects, ${last.goldDays} gold store-days, ${mib(last.freedBytes)} given back${last.salesWait ? `; sales waiting: ${last.salesWait}` : ''}`}` +
        (storage.rejectsDropped > 0 ? `; ${storage.rejectsDropped} rejects dropped over retention.rejectsMaxMiB` : ''),
    )
  }
  for (const job of report.jobs) {
    lines.push(
      `job      ${job.name}: ${job.outcome ?? 'not run yet'}${job.startedAt ? ` at ${job.startedAt} in ${job.durationMs} ms` : ''}${job.outcome === 'failed' ? `: ${job.summary}` : ''}`,
    )
  }
  return lines.join('\n') + '\n'
}

export function statusCommand(): Command {
  return new Command('status')
    .description('what the gateway holds, and whether the daemon runs (or how it last stopped)')
    .option('--json', 'print the report as JSON')
    .addOption(configOption())
    .action(async (options: { config?: string; json?: boolean }) => {
      const { config, source } = loadFromOptions(options)
      const report = await readStatus(config, source)
      process.stdout.write(options.json ? JSON.stringify(report) + '\n' : describe(report))
      // As LSB init scripts and `systemctl status` do: 3 when the daemon is not running, for
      // monitoring scripts; the report is printed either way.
      if (!report.daemon.running) process.exitCode = 3
    })
}
