import { Command } from 'commander'
import { MedallionError } from '../errors.js'
import { pullSnapshots, type PullSummary } from '../central/pull-lake.js'
import { readCaFile } from '../util/tls-credentials.js'
import { DEFAULT_CONFIG_PATH } from '../config/load.js'
import { configOption, loadFromOptions } from './options.js'

function describe(summary: PullSummary): string {
  const missed =
    summary.missed.length === 0
      ? ''
      : `\n${summary.source}: MISSED ${summary.missed.length} current snapshots the gateway no longer had (delivered elsewhere and freed, or damaged): ${summary.missed.join(', ')}`
  const upgraded = summary.upgraded > 0 ? `, ${summary.upgraded} files of an older snapshot format rewritten` : ''
  const notUpgraded =
    summary.upgradeFailed.length === 0
      ? ''
      : `\nthe lake: ${summary.upgradeFailed.length} snapshots of an older format could not be rewritten: ${summary.upgradeFailed.join('; ')}`
  return (
    `${summary.source}: ${summary.snapshots} snapshots, ${summary.files} files, ${summary.superseded} superseded files removed, ` +
    `${summary.skipped} superseded snapshots skipped${upgraded}; cursor ${summary.cursor}${missed}${notUpgraded}`
  )
}

interface PullOptions {
  from?: string[]
  token?: string
  into?: string
  json?: boolean
  config?: string
}

export function pullCommand(): Command {
  return new Command('pull')
    .description('central side: pull gold snapshots from one or many gateways into a lake folder (Hive layout)')
    .option('--from <url...>', "gateway base URL(s), e.g. http://gateway-17:8080 (added to the config's pull.from)")
    .option('--token <token>', "the gateways' central bearer token; better: MEDALLION_EDGE_CENTRAL_TOKEN or pull.token, not visible in ps")
    .option('--into <dir>', "the lake folder (default: the config's pull.into)")
    .option('--json', 'print the summary as JSON')
    .addOption(configOption())
    .action(async (options: PullOptions) => {
      const { config, source } = loadFromOptions(options)
      const gateways = [...new Set([...config.pull.from, ...(options.from ?? [])])]
      const token = options.token ?? config.pull.token
      const into = options.into ?? config.pull.into
      // The shipped demo config is no place for central's settings: name a file of the operator's own.
      const where = source === DEFAULT_CONFIG_PATH ? 'a config file of your own (--config FILE)' : source
      if (gateways.length === 0) throw new MedallionError('USAGE', `no gateway to pull from: give --from URL, or pull.from in ${where}`)
      if (token === undefined) throw new MedallionError('USAGE', `no central token: set MEDALLION_EDGE_CENTRAL_TOKEN, or pull.token in ${where} (or --token)`)
      if (into === undefined) throw new MedallionError('USAGE', `no lake folder: give --into DIR, or pull.into in ${where}`)
      const ca = readCaFile(config.pull.caFile, 'pull.caFile')
      const summaries: PullSummary[] = []
      const failures: { source: string; error: string }[] = []
      // One gateway that is down does not hold up the others; the exit status still says so.
      for (const from of gateways) {
        try {
          summaries.push(
            await pullSnapshots({
              from,
              token,
              into,
              timeoutMs: config.pull.timeoutMs,
              ca,
              onSnapshot: process.stderr.isTTY ? (manifest) => process.stderr.write(`\r${from}: ${manifest.snapshot_id}   `) : undefined,
              onReset: (reason) => process.stderr.write(`${from}: ${reason}: pulling from its start\n`),
            }),
          )
        } catch (error) {
          failures.push({ source: from, error: (error as Error).message })
        }
        if (process.stderr.isTTY) process.stderr.write('\n')
      }
      process.stdout.write(
        options.json
          ? JSON.stringify({ pulled: summaries, failed: failures }) + '\n'
          : [...summaries.map(describe), ...failures.map((failure) => `${failure.source}: FAILED: ${failure.error}`)].join('\n') + '\n',
      )
      if (failures.length > 0) {
        throw new MedallionError(
          'PULL_FAILED',
          `${failures.length} of ${gateways.length} gateways could not be pulled: ${failures.map((failure) => failure.source).join(', ')}`,
        )
      }
      const notUpgraded = summaries.find((summary) => summary.upgradeFailed.length > 0)
      if (notUpgraded) {
        throw new MedallionError(
          'PULL_FAILED',
          `${notUpgraded.upgradeFailed.length} snapshots of the lake are still in an older format (see above); engines may refuse their files`,
        )
      }
      const missed = summaries.filter((summary) => summary.missed.length > 0)
      if (missed.length > 0) {
        throw new MedallionError('PULL_FAILED', `the lake misses current snapshots of ${missed.map((summary) => summary.source).join(', ')}: see MISSED above`)
      }
    })
}
