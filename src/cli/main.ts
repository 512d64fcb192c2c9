#!/usr/bin/env node
import { Command, CommanderError } from 'commander'
import { isMedallionError } from '../errors.js'
import { devicesCommand } from './devices.js'
import { dimsCommand } from './dims.js'
import { goldCommand } from './gold.js'
import { pullCommand } from './pull.js'
import { snapshotCommand } from './snapshot.js'
import { retentionCommand } from './retention.js'
import { backupCommand, restoreCommand } from './backup.js'
import { packageVersion } from './version.js'
import { runCommand } from './run.js'
import { silverCommand } from './silver.js'
import { simulateCommand } from './simulate.js'
import { statusCommand } from './status.js'


// --debug (anywhere on the line) or MEDALLION_EDGE_DEBUG=1: errors with their stack, for a bug report.
const debug = process.argv.includes('--debug') || process.env.MEDALLION_EDGE_DEBUG === '1'
const argv = process.argv.filter((arg) => arg !== '--debug')

const program = new Command('medallion-edge')
  .description('Edge data gateway: MQTT sales into bronze/silver/gold SQLite, Parquet snapshots upstream')
  .version(packageVersion, '-V, --version')
  .addCommand(runCommand())
  .addCommand(devicesCommand())
  .addCommand(dimsCommand())
  .addCommand(silverCommand())
  .addCommand(goldCommand())
  .addCommand(snapshotCommand())
  .addCommand(pullCommand())
  .addCommand(retentionCommand())
  .addCommand(backupCommand())
  .addCommand(restoreCommand())
  .addCommand(simulateCommand())
  .addCommand(statusCommand())

/** Errors are one line and a non-zero exit, on every (sub)command: addCommand does not inherit. */
function oneLineErrors(command: Command): void {
  command
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`medallion-edge: ${text.replace(/^error: /, '')}`) })
  for (const sub of command.commands) oneLineErrors(sub)
}
oneLineErrors(program)

try {
  await program.parseAsync(argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // help and version exit 0; usage errors were printed by commander as one line.
    process.exitCode = error.exitCode === 0 ? 0 : 2
  } else if (isMedallionError(error)) {
    process.stderr.write(`medallion-edge: ${debug && error.stack ? error.stack : error.message}\n`)
    // A wrong command line exits 2, whether commander or the command found it.
    process.exitCode = error.code === 'USAGE' ? 2 : 1
  } else {
    // Not a coded error: still one line (the stack with --debug).
    const message = error instanceof Error ? (debug ? error.stack ?? error.message : error.message) : String(error)
    process.stderr.write(`medallion-edge: ${message}${debug ? '' : ' (run with --debug for details)'}\n`)
    process.exitCode = 1
  }
  // A failed start may leave a worker thread or timers behind; the error is final.
  process.exit(process.exitCode)
}
