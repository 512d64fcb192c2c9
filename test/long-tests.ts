/**
 * The long tests whose subject is not the Node line (MEDALLION_TEST_LONG=0 leaves them out: .ci/run's
 * second pass, on Node 22, so that CI stays under 15 minutes on two cores; they run on Node 24 in
 * every CI run): fault injection (kill -9, a full disk, fuzzing, fair sharing, a crashed silver
 * thread), the install into a temporary root, the CLI's error catalogue, gold's freshness and its
 * 100,000-sale totals, the live stream's token reload, central's pull over HTTP, the restore as
 * root, retention in the daemon, the stock import, bad dimension files, the backup and restore
 * commands and the device registry's command.
 */
export const LONG_TESTS = [
  'test/daemon/kill-9-cycles.test.ts',
  'test/daemon/kill-9-mixed-events.test.ts',
  'test/daemon/kill-9-no-loss.test.ts',
  'test/daemon/disk-full.test.ts',
  'test/daemon/silver-crash.test.ts',
  'test/broker/fair-sharing.test.ts',
  'test/broker/mqtt-fuzz.test.ts',
  'test/ops/install.test.ts',
  'test/cli/operator-errors.test.ts',
  'test/gold/freshness.test.ts',
  'test/gold/gold-totals.test.ts',
  'test/http/live-stream-token-reload.test.ts',
  'test/central/central-pull.test.ts',
  'test/ops/restore-as-root.test.ts',
  'test/retention/retention-daemon.test.ts',
  'test/http/stock-import.test.ts',
  'test/silver/bad-dimension-files.test.ts',
  'test/backup/backup-restore.test.ts',
  'test/cli/devices.test.ts',
]
