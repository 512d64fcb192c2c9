import { Command } from 'commander'
import type { BackupManifest } from '../backup/backup-manifest.js'
import { createBackup } from '../backup/backup.js'
import { restoreBackup } from '../backup/restore.js'
import { configOption, loadFromOptions } from './options.js'
import { packageVersion } from './version.js'

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`

function describeContents(manifest: BackupManifest): string {
  return `${manifest.databases.map((database) => `${database.file} ${mib(database.bytes)}`).join(', ')}; ${manifest.snapshots.count} snapshots (${mib(manifest.snapshots.bytes)})`
}

export function backupCommand(): Command {
  return new Command('backup')
    .description('a consistent copy of every database and the snapshot files, taken next to the running daemon')
    .requiredOption('--out <dir>', 'a new (or empty) directory to write the backup to')
    .option('--json', "print the backup's manifest as JSON")
    .addOption(configOption())
    .action((options: { out: string; json?: boolean; config?: string }) => {
      const { config, source } = loadFromOptions(options)
      const manifest = createBackup({ dataDir: config.dataDir, out: options.out, version: packageVersion, configFile: source })
      process.stdout.write(
        options.json
          ? JSON.stringify(manifest) + '\n'
          : `backup of ${manifest.data_dir} in ${options.out}: ${describeContents(manifest)}, the config; each database checked (SQLite quick_check) and fingerprinted (SHA-256) in backup.json\n`,
      )
    })
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description('put a backup in place of the data directory (the daemon stopped); what it replaces is kept aside')
    .requiredOption('--from <dir>', 'a directory written by `medallion-edge backup`')
    .option('--json', 'print the outcome as JSON')
    .addOption(configOption())
    .action((options: { from: string; json?: boolean; config?: string }) => {
      const { config } = loadFromOptions(options)
      const outcome = restoreBackup({ dataDir: config.dataDir, from: options.from })
      const { manifest } = outcome
      process.stdout.write(
        options.json
          ? JSON.stringify(outcome) + '\n'
          : `restored ${options.from} (taken ${manifest.created_at} by medallion-edge ${manifest.medallion_edge_version}) into ${config.dataDir}: ${describeContents(manifest)}\n` +
              (outcome.setAside ? `the data it replaced is in ${outcome.setAside}: remove it once the restored gateway is right\n` : '') +
              "sales received after the backup was taken are not in it; central's pull starts over. Start the daemon: systemctl start medallion-edge\n",
      )
    })
}
