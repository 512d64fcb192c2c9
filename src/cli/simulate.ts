import { Command, Option } from 'commander'
import { DeviceRegistry } from '../broker/device-registry.js'
import type { RejectNotice, RejectSummary } from '../contract/reject-notice.js'
import { runFleet, type FleetSummary } from '../simulate/fleet.js'
import { seededRandom } from '../simulate/random.js'
import { MedallionError } from '../errors.js'
import { describeNetworkError } from '../util/network-error.js'
import { connectHost } from './connect-host.js'
import { openGatewayDb } from './gateway-db.js'
import { configOption, fraction, loadFromOptions, positiveInt, positiveNumber, qos } from './options.js'

interface SimulateOptions {
  config?: string
  devices: number
  rate: number
  duration: number
  qos: 0 | 1 | 2
  duplicates: number
  bad: number
  returns: number
  voids: number
  inventory: number
  batch: number
  store?: string
  host?: string
  port?: number
  seed?: number
  json?: boolean
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .description('simulated tills publishing whole baskets over real MQTT (demo and load generator); registers them as sim-0001... with new tokens')
    .addOption(new Option('-n, --devices <n>', 'devices').argParser(positiveInt).default(10))
    .addOption(new Option('-r, --rate <msgs_per_s>', 'messages per second over the fleet').argParser(positiveNumber).default(50))
    .addOption(new Option('-d, --duration <s>', 'seconds to publish').argParser(positiveNumber).default(10))
    .addOption(new Option('--qos <qos>', 'MQTT QoS').argParser(qos).default(1))
    .addOption(new Option('--duplicates <fraction>', 'share of messages resending an earlier sale').argParser(fraction).default(0))
    .addOption(new Option('--bad <fraction>', 'share of invalid messages').argParser(fraction).default(0))
    .addOption(new Option('--returns <fraction>', "share of sale lines that return one of the till's earlier sales").argParser(fraction).default(0))
    .addOption(new Option('--voids <fraction>', "share of messages that void one of the till's recent lines").argParser(fraction).default(0))
    .addOption(
      new Option(
        '--inventory <fraction>',
        "share of messages that are a handheld's deliveries, shelf counts and write-offs, after a stock-take of every product",
      )
        .argParser(fraction)
        .default(0),
    )
    .addOption(new Option('--batch <n>', 'sales per message (above 1: JSON arrays)').argParser(positiveInt).default(1))
    .option('--store <store_id>', 'store of the simulated devices (default: the config storeId)')
    .option('--host <host>', 'broker host (default: from the config)')
    .addOption(new Option('--port <port>', 'broker port (default: from the config)').argParser(positiveInt))
    .addOption(new Option('--seed <n>', 'random seed, for a repeatable run').argParser(positiveInt))
    .option('--json', 'print the summary as JSON')
    .addOption(configOption())
    .action(async (options: SimulateOptions) => {
      const { config } = loadFromOptions(options)
      const storeId = options.store ?? config.storeId
      // The simulator provisions its own demo devices (sim-0001...) with fresh tokens each run.
      const db = openGatewayDb(config)
      const devices = (() => {
        try {
          const registry = new DeviceRegistry(db)
          return Array.from({ length: options.devices }, (_, i) => {
            const issued = registry.issue(`sim-${String(i + 1).padStart(4, '0')}`, storeId)
            return { deviceId: issued.deviceId, storeId, token: issued.token }
          })
        } finally {
          db.close()
        }
      })()
      const url = `mqtt://${connectHost(options.host ?? config.mqtt.host)}:${options.port ?? config.mqtt.port}`
      const showProgress = process.stderr.isTTY && !options.json
      let noticesShown = 0
      const summary = await runFleet({
        url,
        devices,
        ratePerSecond: options.rate,
        durationS: options.duration,
        qos: options.qos,
        duplicateFraction: options.duplicates,
        badFraction: options.bad,
        returnFraction: options.returns,
        voidFraction: options.voids,
        inventoryFraction: options.inventory,
        batchSize: options.batch,
        minorUnitDigits: config.currency.minorUnitDigits,
        random: seededRandom(options.seed ?? Date.now()),
        onProgress: showProgress
          ? (p) => process.stderr.write(`\r${p.elapsedS.toFixed(0)}/${options.duration}s  sent ${p.sent}  acked ${p.acked}   `)
          : undefined,
        // What a device maker sees on its rejects topic: the first ones in full, then only the counts (below).
        onNotice: options.json
          ? undefined
          : (deviceId, notice) => {
              if (noticesShown++ >= MAX_NOTICES_SHOWN) return
              process.stderr.write(
                `${showProgress ? '\r' : ''}${describeNotice(deviceId, notice)}${noticesShown === MAX_NOTICES_SHOWN ? ' (further notices only counted)' : ''}\n`,
              )
            },
      }).catch((error: unknown) => {
        // The fleet connects first: a failure is the broker's address or the daemon being down.
        throw new MedallionError('BROKER_UNREACHABLE', `cannot connect to the broker at ${url}: ${describeNetworkError(error)}`, { cause: error })
      })
      if (showProgress) process.stderr.write('\n')
      process.stdout.write(options.json ? JSON.stringify(summary) + '\n' : describe(summary, url))
    })
}

/** Notices printed one per line; the rest only counted in the summary. */
const MAX_NOTICES_SHOWN = 20

function describeNotice(deviceId: string, notice: RejectNotice | RejectSummary): string {
  if (notice.reason === 'summary')
    return `${deviceId}: told ${(notice as RejectSummary).suppressed} more refusals in a summary: ${JSON.stringify((notice as RejectSummary).reasons)}`
  const which = notice.event_id !== null ? `event ${notice.event_id}` : notice.item_index !== null ? `item ${notice.item_index}` : 'message'
  return `${deviceId}: refused ${which}: ${notice.reason}: ${notice.detail}`
}

function describe(s: FleetSummary, url: string): string {
  const ms = (value: number | null): string => (value === null ? '-' : `${value.toFixed(1)} ms`)
  return [
    `simulated ${s.devices} devices against ${url} for ${s.durationS} s`,
    `sent     ${s.sent} messages (${s.sales} sale lines of which ${s.returnsSent} returns, ${s.voidsSent} voids, ${s.inventorySent} inventory events, ${s.duplicatesSent} duplicates, ${s.badSent} bad on purpose)`,
    `acked    ${s.acked} (${s.ackedPerSecond}/s), unacked ${s.unacked}, errors ${s.errors}, throttled ${s.throttled}`,
    `ack latency p50 ${ms(s.ackLatencyP50Ms)}, p99 ${ms(s.ackLatencyP99Ms)}`,
    `refused  ${Object.values(s.refusedByReason).reduce((sum, count) => sum + count, 0)}, as the devices were told on their rejects topics${
      Object.keys(s.refusedByReason).length > 0
        ? `: ${Object.entries(s.refusedByReason)
            .map(([reason, count]) => `${reason} ${count}`)
            .join(', ')}`
        : ''
    }`,
    '',
  ].join('\n')
}
