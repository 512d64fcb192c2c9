import { execFile } from 'node:child_process'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { CLI } from './daemon.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built `medallion-edge` with arguments, as a user would. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

/** `medallion-edge devices add ID --json`, as an operator registers a device; its token. */
export async function addDeviceWithCli(config: string, deviceId: string): Promise<IssuedDevice> {
  const added = await runCli(['devices', 'add', deviceId, '--json', '--config', config])
  if (added.code !== 0) throw new Error(`devices add ${deviceId}: ${added.stderr}`)
  const device = JSON.parse(added.stdout) as { device_id: string; store_id: string; token: string }
  return { deviceId: device.device_id, storeId: device.store_id, token: device.token } as IssuedDevice
}
