import { Command, Option } from 'commander'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { MedallionError } from '../errors.js'
import { openMigrated } from '../schemas.js'
import { manifestPath } from '../snapshot/gold-parquet-schema.js'
import { SnapshotBuilder } from '../snapshot/snapshot-builder.js'
import { snapshotDir } from '../snapshot/snapshot-dir.js'
import { calendarDate, configOption, loadFromOptions } from './options.js'

export function snapshotCommand(): Command {
  const snapshot = new Command('snapshot').description('Parquet snapshots of gold')
  snapshot
    .command('export')
    .description('the current snapshot of a day (made now if the day changed), copied into a directory in the lake layout')
    .addOption(new Option('--date <date>', 'store-local date').argParser(calendarDate).makeOptionMandatory())
    .requiredOption('--out <dir>', 'where to write {table}/sale_date=.../store_id=.../part-....parquet and _manifests/')
    .option('--store <store_id>', 'the store (default: the config storeId)')
    .option('--json', 'print the manifest as JSON')
    .addOption(configOption())
    .action((options: { date: string; out: string; store?: string; json?: boolean; config?: string }) => {
      const { config } = loadFromOptions(options)
      const db = openMigrated(config.dataDir, { synchronous: config.storage.synchronous })
      try {
        const builder = new SnapshotBuilder(db, { dir: snapshotDir(config.dataDir), currency: config.currency })
        const current = builder.currentSnapshot(options.store ?? config.storeId, options.date)
        if (!current) {
          process.stdout.write(`no gold for ${options.store ?? config.storeId} on ${options.date}: nothing to export\n`)
          return
        }
        const { manifest } = current
        if (!current.onDisk) {
          throw new MedallionError(
            'SNAPSHOT_GONE',
            `the files of ${manifest.snapshot_id} were delivered and then removed by the disk bound (snapshot.maxDiskMiB): take them from the lake`,
          )
        }
        for (const file of manifest.files) {
          mkdirSync(dirname(join(options.out, file.path)), { recursive: true })
          try {
            copyFileSync(join(snapshotDir(config.dataDir), manifest.snapshot_id, file.path), join(options.out, file.path))
          } catch (error) {
            // The daemon's disk bound may free the files while they are copied.
            if ((error as NodeJS.ErrnoException).code === 'ENOENT')
              throw new MedallionError('SNAPSHOT_GONE', `${file.path} of ${manifest.snapshot_id} left the disk while it was copied; run the export again`)
            throw error
          }
        }
        mkdirSync(join(options.out, '_manifests'), { recursive: true })
        writeFileSync(join(options.out, manifestPath(manifest.snapshot_id)), JSON.stringify(manifest, null, 2))
        process.stdout.write(
          options.json
            ? JSON.stringify(manifest) + '\n'
            : `${manifest.snapshot_id}: ${manifest.files.length} files, ${manifest.files.reduce((n, f) => n + f.rows, 0)} rows, in ${options.out}\n`,
        )
      } finally {
        db.close()
      }
    })
  return snapshot
}
