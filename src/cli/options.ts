import { InvalidArgumentError, Option, type Command } from 'commander'
import { loadConfig, type LoadedConfig } from '../config/load.js'
import { isCalendarDate } from '../util/calendar-date.js'

/** `--config FILE`, taken by every command that touches data (README.md, "Command line"). */
export function configOption(): Option {
  return new Option('-c, --config <file>', 'config file (default: $MEDALLION_EDGE_CONFIG or the embedded config/default.json)')
}

/** The config of a command; its warnings go to stderr (`run` logs them instead, see run.ts). */
export function loadFromOptions(options: { config?: string }): LoadedConfig {
  const loaded = loadConfig(options.config)
  for (const warning of loaded.warnings) process.stderr.write(`medallion-edge: warning: ${warning}\n`)
  return loaded
}

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number >= 1')
  return Number(value)
}

export function positiveNumber(value: string): number {
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a number > 0')
  return number
}

export function fraction(value: string): number {
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 1) throw new InvalidArgumentError('expected a fraction from 0 to 1')
  return number
}

export function qos(value: string): 0 | 1 | 2 {
  if (value !== '0' && value !== '1' && value !== '2') throw new InvalidArgumentError('expected 0, 1 or 2')
  return Number(value) as 0 | 1 | 2
}

export function calendarDate(value: string): string {
  if (!isCalendarDate(value)) throw new InvalidArgumentError('expected a date YYYY-MM-DD')
  return value
}

/** Adds `--from` / `--to`: an inclusive range of store-local dates, either end open. */
export function withDateRange(command: Command): Command {
  return command
    .addOption(new Option('--from <date>', 'first store-local date').argParser(calendarDate))
    .addOption(new Option('--to <date>', 'last store-local date').argParser(calendarDate))
}
