import type { StockImportOptions, StockImportSummary } from '../bronze/import-stock-file.js'
import type { Config } from '../config/schema.js'
import type { RecordFormat } from '../util/record-format.js'
import { runInWorker } from '../util/run-in-worker.js'

export interface StockImportJob {
  dataDir: string
  synchronous: Config['storage']['synchronous']
  body: Uint8Array
  format: RecordFormat
  options: Omit<StockImportOptions, 'onBytes'>
}

/** What a stock import needs of the config, besides the source's device id and the file. */
export function stockImportOptions(config: Readonly<Config>, deviceId: string, allowRejects: boolean): Omit<StockImportOptions, 'onBytes'> {
  return {
    deviceId,
    fallbackStoreId: config.storeId,
    allowRejects,
    maxPayloadBytes: config.mqtt.maxPayloadBytes,
    minorUnitDigits: config.currency.minorUnitDigits,
    rejectPayloadKeepBytes: config.bronze.rejectPayloadKeepBytes,
    rejectsMaxBytes: config.retention.rejectsMaxMiB * 1024 * 1024,
  }
}

/** Imports stock counts posted to the admin API on their own thread: the broker's event loop never waits on them. */
export function importStockJob(
  config: Readonly<Config>,
  body: Uint8Array,
  format: RecordFormat,
  deviceId: string,
  allowRejects: boolean,
): Promise<StockImportSummary> {
  return runInWorker<StockImportSummary>('stock-import.worker', import.meta.url, {
    dataDir: config.dataDir,
    synchronous: config.storage.synchronous,
    body,
    format,
    options: stockImportOptions(config, deviceId, allowRejects),
  } satisfies StockImportJob)
}
