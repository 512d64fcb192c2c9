#!/usr/bin/env node
import { Command, CommanderError } from 'commander'
import { isMedallionError } from '../errors.js'
import { devicesCommand } from './devices.js'
import { dimsCommand } from './dims.js'
import { goldCommand } from './gold.js'
import { pullCommand } from './pull.js'
import { snapshotCommand } from './snapshot.js'
import { runCommand } from './run.js'
import { silverCommand } from './silver.js'
import { simulateCommand } from './simulate.js'
import { statusCommand } from './status.js'

const program = new Command('medallion-edge')
  .description('Edge data gateway: MQTT sales into bronze/silver/gold SQLite, Parquet snapshots upstream')
  .addCommand(runCommand())
  .addCommand(devicesCommand())
  .addCommand(dimsCommand())
  .addCommand(silverCommand())
  .addCommand(goldCommand())
  .addCommand(snapshotCommand())
  .addCommand(pullCommand())
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
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // help and version exit 0; usage errors were printed by commander as one line.
    process.exitCode = error.exitCode === 0 ? 0 : 2
  } else if (isMedallionError(error)) {
    process.stderr.write(`medallion-edge: ${error.message}\n`)
    // A wrong command line exits 2, whether commander or the command found it.
    process.exitCode = error.code === 'USAGE' ? 2 : 1
  } else {
    process.stderr.write(`medallion-edge: ${(error as Error).stack ?? String(error)}\n`)
    process.exitCode = 1
  }
  // A failed start may leave a worker thread or timers behind; the error is final.
  process.exit(process.exitCode)
}
