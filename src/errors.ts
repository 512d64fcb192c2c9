/**
 * The catalogue of errors the product reports to people: operators (config, command line, the
 * daemon's log) and API clients. Each code is stable and SCREAMING, says what went wrong in its
 * summary, and carries the exit code a command ends with and, for the HTTP API, the status it is
 * answered with. The message of each error names the particular thing that is wrong; the summary
 * is what the code means (docs/operations.md, "Troubleshooting", lists them). Bad device input is
 * not an error here: it is a reject row (`bronze/reject-reason.ts`), because devices are answered
 * with an ack, not an exception.
 */
export const ERROR_CODES = {
  // The operator: config, command line, files.
  CONFIG_UNREADABLE: { summary: 'the config file cannot be read or is not JSON' },
  CONFIG_INVALID: { summary: 'the config does not match the schema' },
  USAGE: { summary: 'the command line is wrong', exitCode: 2 },
  INVALID_ID: { summary: 'an identifier has characters or a length that topics cannot carry' },
  DEVICE_EXISTS: { summary: 'a device with this id is already registered' },
  DEVICE_NOT_FOUND: { summary: 'no device with this id is registered' },
  LISTEN_FAILED: { summary: 'a listener could not bind its address' },
  TLS_FILES_UNREADABLE: { summary: 'the TLS certificate or key cannot be read' },
  DATA_DIR_IN_USE: { summary: 'another daemon runs on this data directory' },
  DATA_DIR_UNUSABLE: { summary: 'the data directory cannot be used (missing, a file, not writable)' },
  SCHEMA_TOO_NEW: { summary: 'a database file was written by a newer medallion-edge' },
  BACKUP_FAILED: { summary: 'a backup could not be written' },
  BACKUP_INVALID: { summary: 'a directory given to restore is not a sound backup' },
  // The pipeline.
  BRONZE_COMMIT_FAILED: { summary: 'a bronze commit failed: its sales are not acked, and the devices send them again' },
  INTAKE_CLOSED: { summary: 'the daemon is stopping: bronze takes no new sales (devices send them again after the restart)' },
  DISK_FULL: { summary: "the data directory's disk is full (or under storage.reserveMiB)" },
  DIMENSION_FILE_INVALID: { summary: 'a dimension file has errors; nothing of it was applied' },
  STOCK_FILE_INVALID: { summary: 'a file of stock counts has errors; nothing of it was stored', statusCode: 422 },
  EXPECTATION_FAILED: { summary: 'a data-quality rule with action fail stopped the work' },
  SYNC_FAILED: { summary: 'a pull from central failed' },
  SNAPSHOT_DISK_BOUND: { summary: 'snapshots not delivered yet fill snapshot.maxDiskMiB: no new snapshot until they ship' },
  SNAPSHOT_GONE: { summary: "a snapshot's files were delivered and removed by the disk bound" },
  BROKER_UNREACHABLE: { summary: 'the MQTT broker does not answer' },
  PULL_FAILED: { summary: 'pulling snapshots from a gateway failed' },
  // The HTTP API: `{ "error": { code, message } }` with the status.
  BAD_REQUEST: { summary: 'a parameter the route does not take, or a value it cannot use; or a request HTTP cannot frame', statusCode: 400 },
  REQUEST_TIMEOUT: { summary: 'the request did not arrive whole in time', statusCode: 408 },
  HEADERS_TOO_LARGE: { summary: 'the request headers are larger than the server takes (16 KiB)', statusCode: 431 },
  UNAUTHORIZED: { summary: 'no bearer token, or one no role has', statusCode: 401 },
  FORBIDDEN: { summary: "the token's role may not do this", statusCode: 403 },
  ROLE_CLOSED: { summary: 'no token is configured for the roles this route takes (http.tokens): closed to all', statusCode: 403 },
  NOT_FOUND: { summary: 'no such route, file or snapshot file', statusCode: 404 },
  UNKNOWN_TABLE: { summary: 'no gold table of that name', statusCode: 404 },
  GONE: { summary: 'a snapshot file that was here is not any more (delivered and removed, or damaged and made again)', statusCode: 410 },
  TOO_MANY_STREAMS: { summary: 'too many open event streams; the staff page polls instead', statusCode: 503 },
  DASHBOARD_NOT_BUILT: { summary: 'the staff page was not built (npm run build)', statusCode: 503 },
} as const satisfies Record<string, ErrorSpec>

interface ErrorSpec {
  summary: string
  exitCode?: number
  statusCode?: number
}

export type ErrorCode = keyof typeof ERROR_CODES

/** What a command exits with for a coded error that names no other. */
const DEFAULT_EXIT_CODE = 1

export class MedallionError extends Error {
  readonly code: ErrorCode
  /** The exit code of a command that ends with this error. */
  readonly exitCode: number
  /** The HTTP status the API answers it with; undefined: not the client's doing (a 500, logged). */
  readonly statusCode: number | undefined

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MedallionError'
    this.code = code
    const spec: ErrorSpec = ERROR_CODES[code]
    this.exitCode = spec.exitCode ?? DEFAULT_EXIT_CODE
    this.statusCode = spec.statusCode
  }
}

export function isMedallionError(value: unknown): value is MedallionError {
  return value instanceof MedallionError
}

/** How a log line carries an error: a coded one as its code and message (the operator's answer), anything else with its stack (a bug to report). */
export function errorFields(error: unknown): { code: string; err: string } | { err: unknown } {
  return isMedallionError(error) ? { code: error.code, err: error.message } : { err: error }
}
