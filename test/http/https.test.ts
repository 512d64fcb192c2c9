import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { HttpPutTarget } from '../../src/delivery/targets/http-put-target.js'
import { launchChromium } from '../helpers/browser.js'
import { runCli } from '../helpers/cli.js'
import { ObjectServer } from '../helpers/object-server.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { EventReader } from '../helpers/sse.js'
import { issueServerCertificate, makeTestCa, type IssuedCertificate, type TestCa } from '../helpers/test-ca.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const STAFF = 'staff-token-for-the-shop-floor'
const CENTRAL = 'central-token-0123456789'

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile('curl', ['-sS', '--max-time', '60', ...args], (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    ),
  )
}

/** The serial number of the certificate a new TLS connection to the port is given. */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(ca), servername: 'localhost' }, () => {
      resolve(socket.getPeerX509Certificate()!.serialNumber)
      socket.end()
    })
    socket.once('error', reject)
  })
}

describe('HTTPS (http.tls): the staff page, the API, its live stream and central over TLS', () => {
  const dir = makeTempDir('medallion-https-')
  let ca: TestCa
  let otherCa: TestCa
  let first: IssuedCertificate
  let gw: RunningGateway
  let device: IssuedDevice
  let base = ''
  let browser: Browser | undefined

  const publish = async (sales: Record<string, unknown>[]): Promise<void> => {
    const client = await connectDevice(gw.url, device)
    for (const sale of sales) await client.publishAsync(topicOf(device), JSON.stringify({ ...sale, device_id: device.deviceId }), { qos: 1 })
    await client.endAsync()
  }

  beforeAll(async () => {
    ca = makeTestCa(dir.path, 'store-ca')
    otherCa = makeTestCa(dir.path, 'other-ca')
    first = issueServerCertificate(ca, 'gateway')
    gw = await startGateway({
      http: { tls: { certFile: first.certFile, keyFile: first.keyFile, redirectPort: 0 }, tokens: { staff: STAFF, central: CENTRAL } },
    })
    device = gw.addDevice('till-1')
    base = `https://127.0.0.1:${gw.addresses.http.port}`
  })
  afterAll(async () => {
    await browser?.close()
    await gw.stop()
    dir.remove()
  })

  it('curl reads the API with the CA and refuses the certificate without it; the plain port redirects to HTTPS', async () => {
    const totals = await curl(['--cacert', ca.certFile, '-H', `Authorization: Bearer ${STAFF}`, `${base}/api/v1/totals?date=2025-05-01`])
    expect(totals.code, totals.stderr).toBe(0)
    expect(JSON.parse(totals.stdout)).toMatchObject({ date: '2025-05-01', store_id: 'store_001', total_amount: 0 })
    const untrusted = await curl([`${base}/api/v1/totals`])
    expect(untrusted.code).toBe(60) // curl: the peer certificate cannot be authenticated with known CA certificates
    expect(untrusted.stderr).toMatch(/SSL certificate problem/)
    // Plain HTTP on the HTTPS port is not served.
    expect((await curl([`http://127.0.0.1:${gw.addresses.http.port}/healthz`])).code).not.toBe(0)

    const plain = `http://127.0.0.1:${gw.addresses.httpRedirect!.port}`
    const redirect = await curl(['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `${plain}/api/v1/totals?date=2025-05-01`])
    expect(redirect.stdout).toBe(`308 ${base}/api/v1/totals?date=2025-05-01`)
    const followed = await curl(['-L', '--cacert', ca.certFile, `${plain}/healthz`])
    expect(followed.code, followed.stderr).toBe(0)
    expect(JSON.parse(followed.stdout)).toMatchObject({ status: 'ok' })
  })

  it('Chromium: the token form, the figures and a live update, all over HTTPS', async () => {
    // The gateway's certificate pinned by its key, as a kiosk is set up to trust a store's own certificate.
    browser = await launchChromium([`--ignore-certificate-errors-spki-list=${first.spkiSha256}`])
    const context = await browser.newContext({ viewport: { width: 1024, height: 600 } })
    const page = await context.newPage()
    const insecure: string[] = []
    page.on('request', (request) => {
      if (!request.url().startsWith('https://') && !request.url().startsWith('data:')) insecure.push(request.url())
    })
    await page.goto(base)
    await page.fill('#token', STAFF)
    await page.click('#sign-in button[type=submit]')
    await expect.poll(() => page.locator('#total-amount').getAttribute('data-value'), { timeout: 30_000 }).toBe('0')
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live')
    await publish([seedSale({ timestamp: new Date(Date.now() - 60_000).toISOString(), price: 4.25 })])
    await expect.poll(() => page.locator('#total-amount').getAttribute('data-value'), { timeout: 30_000 }).toBe('4.25')
    expect(new URL(page.url()).protocol).toBe('https:')
    expect(insecure).toEqual([])
    await context.close()
  })

  it('a reload takes a renewed certificate: an open stream keeps going, new connections get the new one; a bad pair is refused', async () => {
    const events = await new Promise<EventReader>((resolve, reject) => {
      const req = request(`${base}/api/v1/events`, { ca: readFileSync(ca.certFile), headers: { authorization: `Bearer ${STAFF}` } }, (response) => {
        expect(response.statusCode).toBe(200)
        resolve(new EventReader(response))
      })
      req.once('error', reject)
      req.end()
    })
    const before = (await events.next('day')).data as { totals: { sales_count: number } }
    expect(await servedSerial(gw.addresses.http.port, ca.certFile)).toBe(first.serial)

    const renewed = issueServerCertificate(ca, 'gateway') // the same files, a new key and certificate
    expect(renewed.serial).not.toBe(first.serial)
    gw.gateway.reload(gw.config, [])
    expect(await servedSerial(gw.addresses.http.port, ca.certFile)).toBe(renewed.serial)
    await publish([seedSale({ timestamp: new Date(Date.now() - 60_000).toISOString(), price: 1.5 })])
    for (;;) {
      const day = (await events.next('day')).data as { totals: { sales_count: number } }
      if (day.totals.sales_count === before.totals.sales_count + 1) break
    }
    expect(events.ended).toBe(false)

    // A key that is not the certificate's (half a renewal copied): the running certificate stays.
    writeFileSync(renewed.keyFile, readFileSync(otherCa.keyFile))
    gw.gateway.reload(gw.config, [])
    expect(await servedSerial(gw.addresses.http.port, ca.certFile)).toBe(renewed.serial)
  })

  it('central pulls over HTTPS with pull.caFile; with the wrong CA it fails in one line naming the gateway and the key to set', async () => {
    await publish([seedSale({ timestamp: '2025-05-01T10:00:00Z', price: 15.5 })])
    await expect.poll(() => gw.bronze().sales.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3)
    await gw.gateway.scheduler.runNow('snapshot')
    const lake = join(dir.path, 'lake')
    const config = (caFile: string): string => {
      const file = join(dir.path, `pull-${caFile.includes('other') ? 'other' : 'store'}.json`)
      writeFileSync(file, JSON.stringify({ dataDir: join(dir.path, 'central-data'), pull: { caFile, token: CENTRAL } }))
      return file
    }
    const pulled = await runCli(['pull', '--from', base, '--into', lake, '--config', config(ca.certFile)])
    expect(pulled.code, pulled.stderr).toBe(0)
    expect(pulled.stdout).toMatch(new RegExp(`^${base}: [1-9]\\d* snapshots`))

    const refused = await runCli(['pull', '--from', base, '--into', lake, '--config', config(otherCa.certFile)])
    expect(refused.code).toBe(1)
    expect(refused.stdout.trim()).toMatch(
      new RegExp(
        `^${base}: FAILED: GET ${base}/api/v1/snapshots\\S*: TLS: the server's certificate is signed by a CA this client does not trust \\(a private CA or a self-signed certificate: give it as pull.caFile\\)$`,
      ),
    )
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('the HTTP upload target over HTTPS (upload.http.caFile)', () => {
  const dir = makeTempDir('medallion-https-put-')
  let ca: TestCa
  let otherCa: TestCa
  let server: ObjectServer
  beforeAll(async () => {
    ca = makeTestCa(dir.path, 'central-ca')
    otherCa = makeTestCa(dir.path, 'other-ca')
    server = new ObjectServer(issueServerCertificate(ca, 'central'))
    await server.start()
  })
  afterAll(async () => {
    await server.stop()
    dir.remove()
  })

  it('ships with the CA that signed the server; refuses the server with another CA or none, naming the URL and the key', async () => {
    await new HttpPutTarget(server.url, undefined, 30_000, readFileSync(ca.certFile)).put('a/b.parquet', Buffer.from('bytes'), 'application/vnd.apache.parquet')
    expect(server.objects.get('a/b.parquet')?.toString()).toBe('bytes')
    const untrusted = new RegExp(
      `^PUT ${server.url}/a/b.parquet: TLS: the server's certificate is signed by a CA this client does not trust \\(a private CA or a self-signed certificate: give it as upload.http.caFile\\)$`,
    )
    await expect(
      new HttpPutTarget(server.url, undefined, 30_000, readFileSync(otherCa.certFile)).put('a/b.parquet', Buffer.from('x'), 'text/plain'),
    ).rejects.toThrow(untrusted)
    await expect(new HttpPutTarget(server.url, undefined, 30_000).put('a/b.parquet', Buffer.from('x'), 'text/plain')).rejects.toThrow(untrusted)
    expect(server.objects.get('a/b.parquet')?.toString()).toBe('bytes')
  })
})
