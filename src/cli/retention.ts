import { Command } from 'commander'
import { openMigrated } from '../schemas.js'
import { retainNow, type RetentionOutcome } from '../retention/retention.js'
import { configOption, loadFromOptions } from './options.js'

function describe(outcome: RetentionOutcome): string {
  const mib = (bytes: number): string => (bytes / 1048576).toFixed(1)
  return (
    [
      `sales: ${outcome.prunedDays} delivered store-days pruned (${outcome.bronzeRows} bronze, ${outcome.silverRows} silver, ${outcome.quarantineRows} quarantined rows)` +
        (outcome.salesWait ? `; waiting: ${outcome.salesWait}` : ''),
      `rejects: ${outcome.rejectRows} past retention.rejectsDays`,
      `gold: ${outcome.goldDays} store-days past retention.goldDays`,
      `files: ${mib(outcome.freedBytes)} MiB given back; oldest sales day kept ${outcome.oldestSalesDay ?? 'none'}`,
    ].join('\n') + '\n'
  )
}

export function retentionCommand(): Command {
  const retention = new Command('retention').description('pruning of old data (docs/operations.md)')
  retention
    .command('run')
    .description('run retention now, next to the running daemon: delivered old days, old rejects and gold pruned, files compacted')
    .option('--json', 'print the outcome as JSON')
    .addOption(configOption())
    .action((options: { json?: boolean; config?: string }) => {
      const { config } = loadFromOptions(options)
      const db = openMigrated(config.dataDir, { synchronous: config.storage.synchronous })
      try {
        const outcome = retainNow(db, config)
        process.stdout.write(options.json ? JSON.stringify(outcome) + '\n' : describe(outcome))
      } finally {
        db.close()
      }
    })
  return retention
}
