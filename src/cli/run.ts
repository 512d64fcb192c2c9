import { Command } from 'commander'
import pino, { type Logger } from 'pino'
import { createGateway } from '../gateway.js'
import { LogThrottle } from '../util/log-throttle.js'
import { SystemdNotifier } from '../util/sd-notify.js'
import { configChanges, type ConfigChanges } from '../config/config-changes.js'
import { loadConfig, type LoadedConfig } from '../config/load.js'
import { configSchema, type Config } from '../config/schema.js'
import { configOption } from './options.js'
import { errorFields } from '../errors.js'

/** A second signal, or this long after the first, forces the exit (docs/operations.md, "Signals: stop, reload, kill"). */
const FORCED_EXIT_AFTER_MS = 10_000

export function runCommand(): Command {
  return new Command('run')
    .description('run the daemon: MQTT broker, bronze store (what `npm start` runs)')
    .addOption(configOption())
    .action(async (options: { config?: string }) => {
      const { config, source, warnings } = loadConfig(options.config)
      const destination = pino.destination({ dest: 1, sync: false })
      const logger = pino({ level: config.log.level, base: { pid: process.pid } }, destination)
      for (const warning of warnings) logger.warn(warning)
      const exit = (code: number): never => {
        destination.flushSync()
        process.exit(code)
      }
      const systemd = SystemdNotifier.fromEnvironment(process.env, logger.child({ component: 'systemd' }))
      const gateway = createGateway({
        config,
        logger,
        onFatal: (error) => {
          logger.fatal(errorFields(error), 'cannot continue; exiting')
          exit(1)
        },
      })
      process.on('uncaughtException', (error) => {
        logger.fatal({ err: error }, 'uncaught exception; exiting')
        exit(1)
      })

      let stopping = false
      const stop = (signal: string): void => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting now')
          exit(1)
        }
        stopping = true
        systemd?.notify({ STOPPING: '1', STATUS: 'stopping: flushing pending commits' })
        logger.info({ signal }, 'stopping: intake closed, flushing pending commits')
        setTimeout(() => {
          logger.error('graceful stop took more than %d ms: exiting now', FORCED_EXIT_AFTER_MS)
          exit(1)
        }, FORCED_EXIT_AFTER_MS).unref()
        gateway.stop().then(
          () => {
            logger.info('stopped cleanly')
            exit(0)
          },
          (error: unknown) => {
            logger.error(errorFields(error), 'error while stopping')
            exit(1)
          },
        )
      }
      process.on('SIGTERM', () => stop('SIGTERM'))
      process.on('SIGINT', () => stop('SIGINT'))
      let running = config
      process.on('SIGHUP', () => {
        const outcome = reloadConfig(source, running)
        if ('refused' in outcome) {
          logger.error(`config reload refused: ${outcome.refused}; the running config is kept`)
          return
        }
        const { applied, needRestart, next, warnings } = outcome
        for (const warning of warnings) logger.warn(warning)
        running = next
        if (applied.includes('log.level')) logger.level = next.log.level
        gateway.reload(next, applied)
        logger.info({ applied, needRestart }, applied.length === 0 ? 'config reloaded: nothing to apply' : `config reloaded: applied ${applied.join(', ')}`)
        if (needRestart.length > 0)
          logger.warn({ keys: needRestart }, `config reloaded: ${needRestart.join(', ')} change only at a restart (systemctl restart medallion-edge)`)
      })

      logger.info({ config: source, dataDir: config.dataDir, storeId: config.storeId }, 'medallion-edge starting')
      const addresses = await gateway.start().catch(async (error: unknown) => {
        // What did start is stopped, within a bound: the start's error is what the operator needs.
        const bounded = new Promise((resolve) => setTimeout(resolve, FORCED_EXIT_AFTER_MS / 2).unref())
        await Promise.race([gateway.stop().catch(() => {}), bounded])
        throw error
      })
      logger.info(
        {
          mqttPort: addresses.mqtt.port,
          mqttsPort: addresses.mqtts?.port,
          httpPort: addresses.http.port,
          https: config.http.tls !== undefined,
          httpRedirectPort: addresses.httpRedirect?.port,
        },
        'medallion-edge ready',
      )
      systemd?.notify({ READY: '1', STATUS: `serving: mqtt ${addresses.mqtt.port}, http ${addresses.http.port}` })
      const watchdogMs = SystemdNotifier.watchdogIntervalMs(process.env)
      if (systemd && watchdogMs !== undefined) feedWatchdog(systemd, watchdogMs, (timeoutMs) => gateway.problems(timeoutMs), logger)
    })
}

/** The config file read again, compared with the running config; refused (with why) if invalid. */
function reloadConfig(source: string, running: Readonly<Config>): (ConfigChanges & { warnings: string[] }) | { refused: string } {
  let reloaded: LoadedConfig
  try {
    reloaded = loadConfig(source)
  } catch (error) {
    return { refused: (error as Error).message }
  }
  const changes = configChanges(running, reloaded.config)
  // The live keys of the new config with the rest of the running one must still hold together.
  const checked = configSchema.safeParse(changes.next)
  if (!checked.success)
    return {
      refused: `with the keys that need a restart kept as they run: ${checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    }
  return { ...changes, warnings: reloaded.warnings }
}

/**
 * WATCHDOG=1 at half systemd's interval, each time only if the daemon is healthy: both threads
 * answered and the listeners are up, not merely that a timer fired. A wedged thread or a stuck
 * event loop stops the pings, and systemd restarts the daemon after WatchdogSec.
 */
function feedWatchdog(systemd: SystemdNotifier, intervalMs: number, problems: (timeoutMs: number) => Promise<string[]>, logger: Logger): void {
  const every = Math.max(500, intervalMs / 2)
  const unhealthy = new LogThrottle(logger)
  const timer = setInterval(() => {
    void problems(Math.min(5000, every)).then((found) => {
      if (found.length === 0) {
        systemd.notify({ WATCHDOG: '1' })
        unhealthy.clear('watchdog')
        return
      }
      systemd.notify({ STATUS: `unhealthy: ${found.join('; ')}` })
      unhealthy.log('error', 'watchdog', { problems: found }, 'unhealthy: the systemd watchdog is not fed (systemd restarts the daemon after WatchdogSec)')
    })
  }, every)
  timer.unref()
}
