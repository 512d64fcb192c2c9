/**
 * The catalogue of errors the product reports to people: operators (config, command line) and
 * API clients. Each has a stable SCREAMING code, a message that names what is wrong, and an
 * optional `cause`. Bad device input is not an error here: it is a reject row (see
 * `bronze/reject-reason.ts`), because devices are answered with an ack, not an exception.
 */
export const ERROR_CODES = {
  CONFIG_UNREADABLE: 'the config file cannot be read or is not JSON',
  CONFIG_INVALID: 'the config does not match the schema',
  USAGE: 'the command line is wrong',
  INVALID_ID: 'an identifier has characters or a length that topics cannot carry',
  DEVICE_EXISTS: 'a device with this id is already registered',
  DEVICE_NOT_FOUND: 'no device with this id is registered',
  LISTEN_FAILED: 'a listener could not bind its address',
  TLS_FILES_UNREADABLE: 'the TLS certificate or key cannot be read',
  STORAGE_FAILED: 'the database refused a write',
  DISK_FULL: "the data directory's disk is full (or under storage.reserveMiB)",
  DATA_DIR_IN_USE: 'another daemon runs on this data directory',
  DATA_DIR_UNUSABLE: 'the data directory cannot be used (missing, a file, not writable)',
  SCHEMA_TOO_NEW: 'a database file was written by a newer medallion-edge',
  DIMENSION_FILE_INVALID: 'a dimension file has errors; nothing of it was applied',
  EXPECTATION_FAILED: 'a data-quality rule with action fail stopped the work',
  SYNC_FAILED: 'a pull from central failed',
  SNAPSHOT_GONE: "a snapshot's files were delivered and removed by the disk bound",
  BROKER_UNREACHABLE: 'the MQTT broker does not answer',
  PULL_FAILED: 'pulling snapshots from a gateway failed',
  BACKUP_FAILED: 'a backup could not be written',
  BACKUP_INVALID: 'a directory given to restore is not a sound backup',
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export class MedallionError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MedallionError'
    this.code = code
  }
}

export function isMedallionError(value: unknown): value is MedallionError {
  return value instanceof MedallionError
}
