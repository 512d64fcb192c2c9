import { Command } from 'commander'
import { GoldRefresher } from '../gold/gold-refresher.js'
import { openMigrated } from '../schemas.js'
import { configOption, loadFromOptions, withDateRange } from './options.js'
import { progressBar } from './progress.js'

export function goldCommand(): Command {
  const gold = new Command('gold').description('daily facts and KPIs')
  withDateRange(gold.command('rebuild').description('recompute gold from silver for a date range (all when open), next to the running daemon'))
    .option('--json', 'print the summary as JSON')
    .addOption(configOption())
    .action((options: { from?: string; to?: string; json?: boolean; config?: string }) => {
      const { config } = loadFromOptions(options)
      const db = openMigrated(config.dataDir, { synchronous: config.storage.synchronous })
      const progress = progressBar('rebuilding gold', 'store-days')
      try {
        const started = performance.now()
        const result = new GoldRefresher(db).rebuild({ fromDate: options.from, toDate: options.to }, (done, total) => progress.update(done, total))
        progress.stop()
        const summary = { ...result, from: options.from ?? null, to: options.to ?? null, seconds: Math.round(performance.now() - started) / 1000 }
        process.stdout.write(
          options.json
            ? JSON.stringify(summary) + '\n'
            : `gold rebuilt: ${result.days} store-days from ${options.from ?? 'the beginning'} to ${options.to ?? 'the end'} in ${summary.seconds} s\n`,
        )
      } finally {
        progress.stop()
        db.close()
      }
    })
  return gold
}
