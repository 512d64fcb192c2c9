import { Command } from 'commander'
import { DeviceRegistry } from '../broker/device-registry.js'
import { openGatewayDb } from './gateway-db.js'
import { configOption, loadFromOptions } from './options.js'

function withRegistry<T>(options: { config?: string }, use: (registry: DeviceRegistry, storeId: string) => T): T {
  const { config } = loadFromOptions(options)
  const db = openGatewayDb(config)
  try {
    return use(new DeviceRegistry(db), config.storeId)
  } finally {
    db.close()
  }
}

export function devicesCommand(): Command {
  const devices = new Command('devices').description('register, list and remove the devices allowed to publish')

  devices
    .command('add')
    .description('register a device; prints its token once (only a hash is stored)')
    .argument('<device_id>', 'the device id: MQTT username and topic level')
    .option('-s, --store <store_id>', 'the store the device sells for (default: the config storeId)')
    .option('--json', 'print {"device_id","store_id","token"}')
    .addOption(configOption())
    .action((deviceId: string, options: { store?: string; json?: boolean; config?: string }) => {
      const issued = withRegistry(options, (registry, storeId) => registry.add(deviceId, options.store ?? storeId))
      if (options.json) {
        process.stdout.write(JSON.stringify({ device_id: issued.deviceId, store_id: issued.storeId, token: issued.token }) + '\n')
        return
      }
      process.stdout.write(
        `device ${issued.deviceId} registered for store ${issued.storeId}\n` +
          `token: ${issued.token}\n` +
          'The token is shown only now. Configure the device with username = device id, password = token.\n',
      )
    })

  devices
    .command('list')
    .description('list registered devices')
    .option('--json', 'print a JSON array')
    .addOption(configOption())
    .action((options: { json?: boolean; config?: string }) => {
      const list = withRegistry(options, (registry) => registry.list())
      if (options.json) {
        process.stdout.write(JSON.stringify(list.map((d) => ({ device_id: d.deviceId, store_id: d.storeId, created_at: d.createdAt }))) + '\n')
        return
      }
      for (const device of list) process.stdout.write(`${device.deviceId}\t${device.storeId}\t${device.createdAt}\n`)
      if (list.length === 0) process.stdout.write('no devices registered\n')
    })

  devices
    .command('remove')
    .description('remove a device; its token stops working at its next connect')
    .argument('<device_id>')
    .addOption(configOption())
    .action((deviceId: string, options: { config?: string }) => {
      withRegistry(options, (registry) => registry.remove(deviceId))
      process.stdout.write(`device ${deviceId} removed\n`)
    })

  return devices
}
