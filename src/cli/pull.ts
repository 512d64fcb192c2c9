import { Command } from 'commander'
import { MedallionError } from '../errors.js'
import { pullSnapshots, type PullSummary } from '../snapshot/pull-lake.js'

function describe(summary: PullSummary): string {
  const missed = summary.missed.length === 0 ? ''
    : `\n${summary.source}: MISSED ${summary.missed.length} current snapshots the gateway no longer had (delivered elsewhere and freed, or damaged): ${summary.missed.join(', ')}`
  return `${summary.source}: ${summary.snapshots} snapshots, ${summary.files} files, ${summary.superseded} superseded files removed, ` +
    `${summary.skipped} superseded snapshots skipped; cursor ${summary.cursor}${missed}`
}

export function pullCommand(): Command {
  return new Command('pull')
    .description('central side: pull gold snapshots from one or many gateways into a lake folder (Hive layout)')
    .requiredOption('--from <url...>', 'gateway base URL(s), e.g. http://gateway-17:8080')
    .requiredOption('--token <token>', 'the gateways\' central bearer token')
    .requiredOption('--into <dir>', 'the lake folder')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { from: string[]; token: string; into: string; json?: boolean }) => {
      const summaries: PullSummary[] = []
      const failures: { source: string; error: string }[] = []
      // One gateway that is down does not hold up the others; the exit status still says so.
      for (const from of options.from) {
        try {
          summaries.push(await pullSnapshots({
            from,
            token: options.token,
            into: options.into,
            onSnapshot: process.stderr.isTTY ? (manifest) => process.stderr.write(`\r${from}: ${manifest.snapshot_id}   `) : undefined,
            onReset: (reason) => process.stderr.write(`${from}: ${reason}: pulling from its start\n`),
          }))
        } catch (error) {
          failures.push({ source: from, error: (error as Error).message })
        }
        if (process.stderr.isTTY) process.stderr.write('\n')
      }
      process.stdout.write(options.json ? JSON.stringify({ pulled: summaries, failed: failures }) + '\n'
        : [...summaries.map(describe), ...failures.map((failure) => `${failure.source}: FAILED: ${failure.error}`)].join('\n') + '\n')
      if (failures.length > 0) {
        throw new MedallionError('PULL_FAILED', `${failures.length} of ${options.from.length} gateways could not be pulled: ${failures.map((failure) => failure.source).join(', ')}`)
      }
      const missed = summaries.filter((summary) => summary.missed.length > 0)
      if (missed.length > 0) {
        throw new MedallionError('PULL_FAILED', `the lake misses current snapshots of ${missed.map((summary) => summary.source).join(', ')}: see MISSED above`)
      }
    })
}
