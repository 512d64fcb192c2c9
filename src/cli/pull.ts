import { Command } from 'commander'
import { pullSnapshots, type PullSummary } from '../snapshot/pull-lake.js'

export function pullCommand(): Command {
  return new Command('pull')
    .description('central side: pull gold snapshots from one or many gateways into a lake folder (Hive layout)')
    .requiredOption('--from <url...>', 'gateway base URL(s), e.g. http://gateway-17:8080')
    .requiredOption('--token <token>', 'the gateways\' central bearer token')
    .requiredOption('--into <dir>', 'the lake folder')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { from: string[]; token: string; into: string; json?: boolean }) => {
      const summaries: PullSummary[] = []
      for (const from of options.from) {
        summaries.push(await pullSnapshots({
          from,
          token: options.token,
          into: options.into,
          onSnapshot: process.stderr.isTTY ? (manifest) => process.stderr.write(`\r${from}: ${manifest.snapshot_id}   `) : undefined,
        }))
      }
      if (process.stderr.isTTY) process.stderr.write('\n')
      process.stdout.write(options.json ? JSON.stringify(summaries) + '\n'
        : summaries.map((s) => `${s.source}: ${s.snapshots} snapshots, ${s.files} files, ${s.superseded} superseded files removed; cursor ${s.cursor}`).join('\n') + '\n')
    })
}
