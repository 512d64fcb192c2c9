import { digestBase64 } from '../../util/digest.js'
import { verifiedFetch } from '../../util/https-fetch.js'
import { checkEtag, type UploadTarget } from './upload-target.js'

/**
 * An HTTP(S) endpoint that takes `PUT {url}/{key}` with a bearer token. The body's SHA-256 goes in
 * `Content-Digest` (RFC 9530) for the server to check; an ETag it answers with must match. An
 * https server's certificate is verified (against `ca` when given: upload.http.caFile).
 */
export class HttpPutTarget implements UploadTarget {
  readonly name = 'http'
  private readonly fetch: typeof fetch

  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
    ca?: Buffer,
  ) {
    this.fetch = verifiedFetch(ca, 'upload.http.caFile')
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const url = `${this.url.replace(/\/$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`
    const response = await this.fetch(url, {
      method: 'PUT',
      body: bytes,
      headers: {
        'content-type': contentType,
        'content-digest': `sha-256=:${digestBase64('sha256', bytes)}:`,
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      signal: AbortSignal.timeout(this.timeoutMs),
    })
    // Read the whole answer: a response cut short must fail here, not count as shipped.
    await response.arrayBuffer()
    if (!response.ok) throw new Error(`PUT ${key}: HTTP ${response.status}`)
    checkEtag(response.headers.get('etag'), bytes)
  }
}
