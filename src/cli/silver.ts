import { Command } from 'commander'
import { enricherFromConfig } from '../silver/enricher-from-config.js'
import { SILVER_LAYERS } from '../silver/open-silver.js'
import { openMigrated } from '../schemas.js'
import { rebuildSilver } from '../silver/rebuild-silver.js'
import { configOption, loadFromOptions, withDateRange } from './options.js'
import { progressBar } from './progress.js'

export function silverCommand(): Command {
  const silver = new Command('silver').description('the enriched sales layer')
  withDateRange(silver.command('rebuild').description('recompute silver from bronze (e.g. after a rule change), without stopping ingest'))
    .option('--json', 'print the summary as JSON')
    .addOption(configOption())
    .action(async (options: { from?: string; to?: string; json?: boolean; config?: string }) => {
      const { config } = loadFromOptions(options)
      const db = openMigrated(config.dataDir, { attach: SILVER_LAYERS, synchronous: config.storage.synchronous })
      const progress = progressBar('rebuilding silver', 'bronze rows')
      try {
        const result = await rebuildSilver(db, enricherFromConfig(db, config), {
          fromDate: options.from,
          toDate: options.to,
          onProgress: (done, total) => progress.update(done, total),
        })
        progress.stop()
        process.stdout.write(
          options.json ? JSON.stringify(result) + '\n' : `silver rebuilt: ${result.rebuilt} sales recomputed (${result.seen} bronze rows looked at)\n`,
        )
      } finally {
        progress.stop()
        db.close()
      }
    })
  return silver
}
