/**
 * Whether `error` is SQLite refusing because another connection holds the file: SQLITE_BUSY and its
 * extended codes (SQLITE_BUSY_SNAPSHOT, _RECOVERY, _TIMEOUT; https://sqlite.org/rescode.html#busy).
 * The pipeline threads run with busy_timeout 0 and retry later: a busy file (a `gold rebuild` or a
 * `dims import` next to the daemon) is put off and counted, not reported as a failure.
 */
export function isBusyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}
