import { Command, InvalidArgumentError, Option } from 'commander'
import { createReadStream, statSync } from 'node:fs'
import { parseRfc3339 } from '../contract/timestamp.js'
import { MedallionError } from '../errors.js'
import { DIMENSIONS, isDimensionName } from '../silver/dims/dimension-spec.js'
import { importDimension, type ImportSummary } from '../silver/dims/import-dimension.js'
import { formatOf, type RecordFormat } from '../util/record-format.js'
import { pullContextFromConfig, syncDimensions } from '../silver/dims/sync-dimensions.js'
import { enricherFromConfig } from '../silver/enricher-from-config.js'
import { SILVER_LAYERS } from '../silver/open-silver.js'
import { openMigrated } from '../schemas.js'
import { configOption, loadFromOptions } from './options.js'
import { progressBar } from './progress.js'

interface ImportOptions {
  config?: string
  format?: RecordFormat
  allowRejects?: boolean
  asOf?: number
  json?: boolean
}

function instant(value: string): number {
  const ms = parseRfc3339(value)
  if (ms === undefined) throw new InvalidArgumentError('expected an RFC 3339 time such as 2025-05-01T00:00:00Z')
  return ms
}

export function describeImport(summary: ImportSummary): string {
  const lines = [
    `${summary.dimension}: ${summary.rows} rows: ${summary.inserted} inserted, ${summary.changed} changed, ${summary.unchanged} unchanged, ${summary.rejected} rejected; ${summary.reenriched} silver sales re-enriched`,
    ...summary.errors.map((error) => `  rejected line ${error.line}: ${error.message}`),
  ]
  return lines.join('\n') + '\n'
}

export function dimsCommand(): Command {
  const dims = new Command('dims').description('dimensions (product, customer, store): SCD type 2 in silver.db')
  dims
    .command('import')
    .description('load a CSV (with header) or JSON lines file into a dimension, in one transaction')
    .argument('<dimension>', 'product, customer or store')
    .argument('<file>', 'the file; .jsonl/.ndjson/.json is JSON lines, anything else CSV')
    .addOption(new Option('--format <format>', 'override the format').choices(['csv', 'jsonl']))
    .option('--allow-rejects', 'apply the valid rows of a file that has bad ones (default: refuse the whole file)')
    .addOption(new Option('--as-of <time>', 'when changed members change, if the file has no valid_from (default: now)').argParser(instant))
    .option('--json', 'print the summary as JSON')
    .addOption(configOption())
    .action(async (dimension: string, file: string, options: ImportOptions) => {
      if (!isDimensionName(dimension)) throw new MedallionError('USAGE', `unknown dimension '${dimension}': expected product, customer or store`)
      const { config } = loadFromOptions(options)
      let size: number
      try {
        size = statSync(file).size
      } catch (cause) {
        throw new MedallionError('DIMENSION_FILE_INVALID', `cannot read ${file}: ${(cause as Error).message}`, { cause })
      }
      const db = openMigrated(config.dataDir, { attach: SILVER_LAYERS, synchronous: config.storage.synchronous })
      const progress = progressBar(`importing ${dimension}`, 'bytes')
      let read = 0
      try {
        const summary = await importDimension(
          db,
          enricherFromConfig(db, config),
          DIMENSIONS[dimension],
          createReadStream(file),
          options.format ?? formatOf(file),
          {
            asOfMs: options.asOf ?? Date.now(),
            allowRejects: options.allowRejects,
            onBytes: (bytes) => progress.update((read += bytes), size),
          },
        )
        progress.stop()
        process.stdout.write(options.json ? JSON.stringify(summary) + '\n' : describeImport(summary))
      } finally {
        progress.stop()
        db.close()
      }
    })
  dims
    .command('sync')
    .description('pull every dimension from central now (dims.url), as the schedule does')
    .option('--json', 'print the outcomes as JSON')
    .addOption(configOption())
    .action(async (options: { json?: boolean; config?: string }) => {
      const { config } = loadFromOptions(options)
      if (!config.dims.url) throw new MedallionError('USAGE', 'dims.url is not set in the config: there is no central to pull from')
      const db = openMigrated(config.dataDir, { attach: SILVER_LAYERS, synchronous: config.storage.synchronous })
      try {
        const outcomes = await syncDimensions(pullContextFromConfig(db, config))
        process.stdout.write(
          options.json
            ? JSON.stringify(outcomes) + '\n'
            : outcomes
                .map(
                  (outcome) =>
                    `${outcome.dimension}: ${outcome.status}${outcome.summary ? ` (${outcome.summary.inserted} inserted, ${outcome.summary.changed} changed)` : ''}${outcome.error ? `: ${outcome.error}` : ''} after ${outcome.attempts} attempt(s)`,
                )
                .join('\n') + '\n',
        )
        const failed = outcomes.filter((outcome) => outcome.status === 'failed')
        if (failed.length > 0) throw new MedallionError('SYNC_FAILED', `${failed.map((outcome) => outcome.dimension).join(', ')} could not be pulled`)
      } finally {
        db.close()
      }
    })
  return dims
}
