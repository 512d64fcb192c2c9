import { Command } from 'commander'
import pino from 'pino'
import { createGateway } from '../gateway.js'
import { configOption, loadFromOptions } from './options.js'

/** A second signal, or this long after the first, forces the exit [CONTRACT: Operations]. */
const FORCED_EXIT_AFTER_MS = 10_000

export function runCommand(): Command {
  return new Command('run')
    .description('run the daemon: MQTT broker, bronze store (what `npm start` runs)')
    .addOption(configOption())
    .action(async (options: { config?: string }) => {
      const { config, source } = loadFromOptions(options)
      const destination = pino.destination({ dest: 1, sync: false })
      const logger = pino({ level: config.log.level, base: { pid: process.pid } }, destination)
      const exit = (code: number): never => {
        destination.flushSync()
        process.exit(code)
      }
      const gateway = createGateway({
        config,
        logger,
        onFatal: (error) => {
          logger.fatal({ err: error }, 'cannot continue; exiting')
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
            logger.error({ err: error }, 'error while stopping')
            exit(1)
          },
        )
      }
      process.on('SIGTERM', () => stop('SIGTERM'))
      process.on('SIGINT', () => stop('SIGINT'))

      logger.info({ config: source, dataDir: config.dataDir, storeId: config.storeId }, 'medallion-edge starting')
      const addresses = await gateway.start().catch(async (error: unknown) => {
        // What did start is stopped, within a bound: the start's error is what the operator needs.
        const bounded = new Promise((resolve) => setTimeout(resolve, FORCED_EXIT_AFTER_MS / 2).unref())
        await Promise.race([gateway.stop().catch(() => {}), bounded])
        throw error
      })
      logger.info({ mqttPort: addresses.mqtt.port, mqttsPort: addresses.mqtts?.port, httpPort: addresses.http.port }, 'medallion-edge ready')
    })
}
