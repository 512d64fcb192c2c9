import { Command } from 'commander'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import type { Config } from '../config/schema.js'
import { databaseFile, openDatabase } from '../db/open.js'
import { connectHost } from './connect-host.js'
import { configOption, loadFromOptions } from './options.js'

export interface StatusReport {
  config: string
  dataDir: string
  storeId: string
  daemon: { mqtt: string; answering: boolean }
  devices: number | null
  bronze: {
    sales: number
    rejects: number
    lastReceivedAt: string | null
    rejectsByReason: Record<string, number>
  } | null
}

function probe(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: connectHost(host), port })
    const done = (answering: boolean): void => {
      socket.destroy()
      resolve(answering)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Reads the stores without changing them; works whether the daemon runs or not. */
export async function readStatus(config: Readonly<Config>, source: string): Promise<StatusReport> {
  const report: StatusReport = {
    config: source,
    dataDir: config.dataDir,
    storeId: config.storeId,
    daemon: { mqtt: `${config.mqtt.host}:${config.mqtt.port}`, answering: await probe(config.mqtt.host, config.mqtt.port) },
    devices: null,
    bronze: null,
  }
  if (!existsSync(databaseFile(config.dataDir, 'main')) || !existsSync(databaseFile(config.dataDir, 'bronze'))) return report
  const db = openDatabase({ dataDir: config.dataDir, attach: ['bronze'], readonly: true })
  try {
    report.devices = (db.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n
    const sales = db.prepare('SELECT count(*) AS n, max(received_at) AS last FROM bronze.iot_sales_raw').get() as { n: number; last: string | null }
    const reasons = db.prepare('SELECT reason, count(*) AS n FROM bronze.iot_sales_rejects GROUP BY reason ORDER BY n DESC').all() as { reason: string; n: number }[]
    report.bronze = {
      sales: sales.n,
      rejects: reasons.reduce((sum, row) => sum + row.n, 0),
      lastReceivedAt: sales.last,
      rejectsByReason: Object.fromEntries(reasons.map((row) => [row.reason, row.n])),
    }
  } finally {
    db.close()
  }
  return report
}

function describe(report: StatusReport): string {
  const lines = [
    `config   ${report.config}`,
    `data     ${report.dataDir} (store ${report.storeId})`,
    `daemon   ${report.daemon.answering ? 'running' : 'not answering'} (mqtt ${report.daemon.mqtt})`,
  ]
  if (report.bronze === null) {
    lines.push('bronze   no data yet')
  } else {
    const reasons = Object.entries(report.bronze.rejectsByReason).map(([reason, n]) => `${reason} ${n}`).join(', ')
    lines.push(`devices  ${report.devices} registered`)
    lines.push(`bronze   ${report.bronze.sales} sales, last received ${report.bronze.lastReceivedAt ?? 'never'}`)
    lines.push(`rejects  ${report.bronze.rejects}${reasons ? ` (${reasons})` : ''}`)
  }
  return lines.join('\n') + '\n'
}

export function statusCommand(): Command {
  return new Command('status')
    .description('what the gateway holds and whether the daemon answers')
    .option('--json', 'print the report as JSON')
    .addOption(configOption())
    .action(async (options: { config?: string; json?: boolean }) => {
      const { config, source } = loadFromOptions(options)
      const report = await readStatus(config, source)
      process.stdout.write(options.json ? JSON.stringify(report) + '\n' : describe(report))
    })
}
