import { Command, InvalidArgumentError, Option } from 'commander'
import { createReadStream, statSync } from 'node:fs'
import { importStockFile, type StockImportSummary } from '../bronze/import-stock-file.js'
import { ID_PATTERN, ID_RULE } from '../contract/ids.js'
import { MedallionError } from '../errors.js'
import { stockImportOptions } from '../jobs/stock-import-job.js'
import { openMigrated } from '../schemas.js'
import { formatOf, type RecordFormat } from '../util/record-format.js'
import { configOption, loadFromOptions } from './options.js'
import { progressBar } from './progress.js'

interface ImportOptions {
  config?: string
  format?: RecordFormat
  deviceId: string
  allowRejects?: boolean
  json?: boolean
}

function deviceId(value: string): string {
  if (!ID_PATTERN.test(value)) throw new InvalidArgumentError(`'${value}' ${ID_RULE}`)
  return value
}

export function describeStockImport(file: string, summary: StockImportSummary): string {
  const lines = [
    `${file}: ${summary.rows} rows: ${summary.stored} stored, ${summary.duplicates} already in bronze, ${summary.rejected} rejected`,
    ...summary.errors.map((error) => `  rejected line ${error.line}: ${error.message}`),
  ]
  return lines.join('\n') + '\n'
}

export function inventoryCommand(): Command {
  const inventory = new Command('inventory').description('stock on hand (docs/inventory.md)')
  inventory
    .command('import')
    .description(
      "load stock counts (an ERP export, a stock-take) into bronze as inventory events, deduplicated like a device's: CSV with a header or JSON lines of store_id, product_id, quantity, timestamp (optional type, reason, event_id); the running daemon takes them in within seconds",
    )
    .argument('<file>', 'the file; .jsonl/.ndjson/.json is JSON lines, anything else CSV')
    .addOption(new Option('--format <format>', 'override the format').choices(['csv', 'jsonl']))
    .addOption(new Option('--device-id <id>', 'the source the events are stored under (their device_id)').default('import').argParser(deviceId))
    .option('--allow-rejects', 'store the valid rows of a file that has bad ones, the bad ones as rejects (default: refuse the whole file)')
    .option('--json', 'print the summary as JSON')
    .addOption(configOption())
    .action(async (file: string, options: ImportOptions) => {
      const { config } = loadFromOptions(options)
      let size: number
      try {
        size = statSync(file).size
      } catch (cause) {
        throw new MedallionError('STOCK_FILE_INVALID', `cannot read ${file}: ${(cause as Error).message}`, { cause })
      }
      const db = openMigrated(config.dataDir, { attach: ['bronze'], synchronous: config.storage.synchronous })
      const progress = progressBar('importing stock', 'bytes')
      let read = 0
      try {
        const summary = await importStockFile(db, createReadStream(file), options.format ?? formatOf(file), {
          ...stockImportOptions(config, options.deviceId, options.allowRejects === true),
          onBytes: (bytes) => progress.update((read += bytes), size),
        })
        progress.stop()
        process.stdout.write(options.json ? JSON.stringify(summary) + '\n' : describeStockImport(file, summary))
      } finally {
        progress.stop()
        db.close()
      }
    })
  return inventory
}
