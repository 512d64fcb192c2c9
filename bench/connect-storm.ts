import { benchDataDir } from './lib/data-dir.js'
import mqtt from 'mqtt'
import { DeviceRegistry } from '../src/broker/device-registry.js'
import { cpuSeconds } from './lib/proc.js'
import { startMedallion } from './lib/targets.js'
import { openMigrated } from '../src/schemas.js'

export interface StormResult {
  devices: number
  seconds: number
  brokerCpuMsPerConnect: number
}

/** Hundreds of devices (re)connecting at once with their tokens, e.g. after a gateway restart. */
export async function connectStorm(workDir: string, devices: number): Promise<StormResult> {
  const dataDir = benchDataDir(workDir, 'storm', 'data')
  const target = await startMedallion({ dataDir, synchronous: 'FULL', connections: 1 })
  try {
    const db = openMigrated(dataDir, { attach: [] })
    const registry = new DeviceRegistry(db)
    const issued = Array.from({ length: devices }, (_, i) => registry.issue(`storm-${i}`, 'store_001'))
    db.close()
    const cpuBefore = cpuSeconds(target.pid)
    const started = performance.now()
    const clients = await Promise.all(
      issued.map((device) =>
        mqtt.connectAsync(`mqtt://127.0.0.1:${target.port}`, {
          clientId: device.deviceId,
          username: device.deviceId,
          password: device.token,
          reconnectPeriod: 0,
          connectTimeout: 30_000,
        }),
      ),
    )
    const seconds = (performance.now() - started) / 1000
    const cpu = cpuSeconds(target.pid) - cpuBefore
    await Promise.all(clients.map((client) => client.endAsync(true)))
    return { devices, seconds, brokerCpuMsPerConnect: (cpu * 1000) / devices }
  } finally {
    await target.stop()
  }
}
