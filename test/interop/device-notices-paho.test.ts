import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PYTHON = join(ROOT, '.venv/bin/python')

interface PahoRun {
  expected: string[]
  suback: { own: number[]; foreign: number[] }
  notices: { topic: string; qos: number; notice: { event_id: string | null; reason: string; detail: string; topic: string; received_at: string } }[]
}

describe('refusal notices read by Eclipse Paho (Python), a client nobody here wrote', () => {
  let gw: RunningGateway
  beforeAll(async () => {
    gw = await startGateway()
  })
  afterAll(() => gw.stop())

  it('subscribes to its own rejects topic (not to another device), sends each kind of bad sale, and is told each reason', async () => {
    const device = gw.addDevice('paho-till')
    gw.addDevice('other-till')
    const run = await new Promise<PahoRun>((resolve, reject) =>
      execFile(
        PYTHON,
        [join(ROOT, 'interop/device_notices.py'), '127.0.0.1', String(gw.port), device.deviceId, device.token, device.storeId, 'other-till'],
        { timeout: 120_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as PahoRun)),
      ),
    )
    expect(run.suback).toEqual({ own: [1], foreign: [128] })
    expect(run.notices.map((received) => received.notice.reason)).toEqual(run.expected)
    for (const received of run.notices) {
      expect(received.topic).toBe(`stores/store_001/devices/paho-till/rejects`)
      expect(received.qos).toBe(1)
      expect(received.notice.topic).toBe('stores/store_001/devices/paho-till/sales')
      expect(received.notice.detail.length).toBeGreaterThan(0)
    }
    expect(run.notices.map((received) => received.notice.event_id)).toEqual([null, 'p-type', 'p-dev', 'p-ts', 'p-cents', 'p-qty'])
  })
})
