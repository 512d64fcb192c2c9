import type { FastifyInstance } from 'fastify'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/http/app.js'
import { RoleCheck } from '../../src/http/roles.js'
import { appDeps } from '../helpers/app-deps.js'

const ADMIN = 'admin-token-0123456789'

interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/** Writes raw bytes to the server and reads its whole answer until it closes the connection. */
function exchange(port: number, bytes: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes))
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.once('error', reject)
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [head = '', body = ''] = text.split('\r\n\r\n', 2)
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body })
    })
  })
}

describe('requests that never reach a route are answered in the API shape', () => {
  let app: FastifyInstance
  let port = 0
  beforeAll(async () => {
    app = buildApp(
      appDeps(
        () => {
          throw new Error('no route may be reached by these requests')
        },
        { roles: new RoleCheck({ admin: ADMIN }) },
      ),
    )
    await app.listen({ host: '127.0.0.1', port: 0 })
    port = (app.server.address() as { port: number }).port
  })
  afterAll(() => app.close())

  const cases: [string, string, number, string, RegExp][] = [
    ['a malformed request line', 'GET\x7f /healthz HTTP/1.1\r\nHost: gw\r\n\r\n', 400, 'BAD_REQUEST', /malformed request/],
    ['an HTTP version that is not one', 'GET /healthz HTTP/9.x\r\nHost: gw\r\n\r\n', 400, 'BAD_REQUEST', /malformed request line/],
    ['a Content-Length that is not a number', 'POST /api/v1/totals HTTP/1.1\r\nHost: gw\r\nContent-Length: ten\r\n\r\n', 400, 'BAD_REQUEST', /Content-Length/],
    [
      'both Content-Length and Transfer-Encoding',
      'POST /api/v1/totals HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'BAD_REQUEST',
      /both Content-Length and Transfer-Encoding/,
    ],
    ['a header line without a colon', 'GET /healthz HTTP/1.1\r\nHost: gw\r\nThisLineHasNoColon\r\n\r\n', 400, 'BAD_REQUEST', /header line is malformed/],
    [
      'headers larger than the server takes',
      `GET /healthz HTTP/1.1\r\nHost: gw\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
      /larger than the server takes/,
    ],
    ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n', 400, 'BAD_REQUEST', /must carry a Host header/],
    [
      'Transfer-Encoding before Content-Length',
      'POST /api/v1/totals HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
      400,
      'BAD_REQUEST',
      /both Content-Length and Transfer-Encoding/,
    ],
    ['Content-Length twice', 'POST /api/v1/totals HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 400, 'BAD_REQUEST', /given twice/],
  ]
  it.each(cases.map(([name, bytes, status, code, message]) => ({ name, bytes, status, code, message })))(
    '$name: answered $status $code',
    async ({ bytes, status, code, message }) => {
      const answer = await exchange(port, bytes)
      expect(answer.status).toBe(status)
      expect(answer.headers['content-type']).toMatch(/^application\/json/)
      const body = JSON.parse(answer.body) as { error: { code: string; message: string } }
      expect(body).toEqual({ error: { code, message: expect.stringMatching(message) } })
      expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body))
    },
  )

  it('a well-formed request is still served, and the refusals are counted in /metrics', async () => {
    const answer = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n')
    expect(answer.status).toBe(200)
    const metrics = await exchange(port, `GET /metrics HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${ADMIN}\r\nConnection: close\r\n\r\n`)
    expect(metrics.body).toMatch(/^medallion_http_requests_total\{route="unparsed",status="400"\} [1-9]\d*$/m)
    expect(metrics.body).toMatch(/^medallion_http_requests_total\{route="unparsed",status="431"\} 1$/m)
  })
})
