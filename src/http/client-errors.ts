import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { ERROR_CODES, type ErrorCode } from '../errors.js'

/** Node's parser errors (llhttp's codes) in the words of someone who wrote the request. */
const PARSER_ERRORS: Record<string, string> = {
  HPE_INVALID_METHOD: 'malformed request line: not a known HTTP method',
  HPE_INVALID_URL: 'malformed request line: the target is not a valid URL path',
  HPE_INVALID_VERSION: 'malformed request line: not a valid HTTP version',
  HPE_INVALID_CONSTANT: 'malformed request line: expected HTTP/1.x',
  HPE_INVALID_CONTENT_LENGTH: 'the Content-Length header is not a valid length',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'the Content-Length header is given twice',
  HPE_INVALID_TRANSFER_ENCODING: 'the Transfer-Encoding header is not one the server takes (chunked, last)',
  HPE_INVALID_HEADER_TOKEN: 'a header line is malformed: no colon, or a character a header name cannot hold',
  HPE_INVALID_CHUNK_SIZE: 'a chunk of the chunked body has an invalid size',
  HPE_CR_EXPECTED: 'malformed line ending: each line ends with CRLF',
  HPE_LF_EXPECTED: 'malformed line ending: each line ends with CRLF',
  HPE_HEADER_OVERFLOW: 'the request headers are larger than the server takes (16 KiB)',
}

type ParserError = NodeJS.ErrnoException & { reason?: string }

/** What to answer a request that Node's parser refused before any route saw it. */
export function clientErrorAnswer(error: ParserError): { code: Extract<ErrorCode, 'BAD_REQUEST' | 'REQUEST_TIMEOUT' | 'HEADERS_TOO_LARGE'>; message: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW') return { code: 'HEADERS_TOO_LARGE', message: PARSER_ERRORS.HPE_HEADER_OVERFLOW! }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { code: 'REQUEST_TIMEOUT', message: 'the request did not arrive whole in time' }
  // llhttp reports this one under either header's code, whichever came second; its reason names both.
  if (/Content-Length/.test(error.reason ?? '') && /Transfer-Encoding/.test(error.reason ?? ''))
    return { code: 'BAD_REQUEST', message: 'both Content-Length and Transfer-Encoding are given (RFC 9112, 6.3): send one of them' }
  const known = error.code === undefined ? undefined : PARSER_ERRORS[error.code]
  return { code: 'BAD_REQUEST', message: known ?? `malformed request: ${error.reason ?? error.message}` }
}

/**
 * Node's `clientError`: answers in the API's own shape (`{"error": {code, message}}`, the status
 * the catalogue gives) and closes the connection, as RFC 9112 wants after a message it could not
 * frame. A connection already gone (reset, or destroyed) is left alone.
 */
export function answerClientError(error: ParserError, socket: Duplex, counted: (status: number) => void): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const answer = clientErrorAnswer(error)
  const status = ERROR_CODES[answer.code].statusCode
  counted(status)
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const body = JSON.stringify({ error: { code: answer.code, message: answer.message } })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
  // A peer that never reads must not hold the socket open.
  setTimeout(() => socket.destroy(), 5000).unref()
}
