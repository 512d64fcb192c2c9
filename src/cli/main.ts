#!/usr/bin/env node
import { Command, CommanderError } from 'commander'
import { isMedallionError } from '../errors.js'
import { packageVersion } from './version.js'

/**
 * Each command's module, loaded only when the command line names it: the daemon (`run`) then
 * carries no Parquet writer, MQTT client or CSV reader in its heap (docs/benchmarks.md, "RSS").
 */
const COMMANDS: Record<string, () => Promise<Command[]>> = {
  run: async () => [(await import('./run.js')).runCommand()],
  devices: async () => [(await import('./devices.js')).devicesCommand()],
  dims: async () => [(await import('./dims.js')).dimsCommand()],
  inventory: async () => [(await import('./inventory.js')).inventoryCommand()],
  silver: async () => [(await import('./silver.js')).silverCommand()],
  gold: async () => [(await import('./gold.js')).goldCommand()],
  snapshot: async () => [(await import('./snapshot.js')).snapshotCommand()],
  pull: async () => [(await import('./pull.js')).pullCommand()],
  retention: async () => [(await import('./retention.js')).retentionCommand()],
  backup: async () => [(await import('./backup.js')).backupCommand()],
  restore: async () => [(await import('./backup.js')).restoreCommand()],
  simulate: async () => [(await import('./simulate.js')).simulateCommand()],
  status: async () => [(await import('./status.js')).statusCommand()],
}

/** The command the line names, or every command (for the help, or commander's unknown-command error). */
async function commandsFor(args: string[]): Promise<Command[]> {
  const at = args.findIndex((arg) => !arg.startsWith('-'))
  // `--help run` asks for the program's help, which lists every command.
  const helpFirst = args.slice(0, Math.max(at, 0)).some((arg) => arg === '-h' || arg === '--help')
  const load = at >= 0 && !helpFirst ? COMMANDS[args[at]!] : undefined
  if (load) return load()
  return (await Promise.all(Object.values(COMMANDS).map((loader) => loader()))).flat()
}

// --debug (anywhere on the line) or MEDALLION_EDGE_DEBUG=1: errors with their stack, for a bug report.
const debug = process.argv.includes('--debug') || process.env.MEDALLION_EDGE_DEBUG === '1'
const argv = process.argv.filter((arg) => arg !== '--debug')

const program = new Command('medallion-edge')
  .description('Edge data gateway: MQTT sales into bronze/silver/gold SQLite, Parquet snapshots upstream')
  .version(packageVersion, '-V, --version')
for (const command of await commandsFor(argv.slice(2))) program.addCommand(command)

/** Errors are one line and a non-zero exit, on every (sub)command: addCommand does not inherit. */
function oneLineErrors(command: Command): void {
  command
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`medallion-edge: ${text.replace(/^error: /, '')}`) })
  for (const sub of command.commands) oneLineErrors(sub)
}
oneLineErrors(program)

// A command run as root on the service's data directory makes files there (`restore` always runs
// so; `devices add` before the first start makes gateway.db): they go back to the directory's
// owner, or the daemon, started as that user, could not write them.
// `run` is the daemon itself; `pull` writes a lake, not a data directory.
program.hook('postAction', async (_program, action) => {
  const root = action.parent === program ? action : action.parent!
  if (process.geteuid?.() !== 0 || root.name() === 'run' || root.name() === 'pull') return
  const [{ loadConfig }, { keepDataDirOwner }] = await Promise.all([import('../config/load.js'), import('../db/data-dir-owner.js')])
  keepDataDirOwner(loadConfig((action.opts() as { config?: string }).config).config.dataDir)
})

try {
  await program.parseAsync(argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // help and version exit 0; usage errors were printed by commander as one line.
    process.exitCode = error.exitCode === 0 ? 0 : 2
  } else if (isMedallionError(error)) {
    process.stderr.write(`medallion-edge: ${debug && error.stack ? error.stack : error.message}\n`)
    // The catalogue's exit code: a wrong command line exits 2, whether commander or the command found it.
    process.exitCode = error.exitCode
  } else {
    // Not a coded error: still one line (the stack with --debug).
    const message = error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error)
    process.stderr.write(`medallion-edge: ${message}${debug ? '' : ' (run with --debug for details)'}\n`)
    process.exitCode = 1
  }
  // A failed start may leave a worker thread or timers behind; the error is final.
  process.exit(process.exitCode)
}
