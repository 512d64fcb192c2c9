import { md5Hex, sha256Hex } from '../../util/digest.js'

/** Where snapshots are shipped: S3-compatible storage, an HTTP(S) PUT endpoint, or a directory. */
export interface UploadTarget {
  readonly name: string
  /** Stores the bytes under `key`; resolves only when the target has confirmed these exact bytes. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>
  /** Removes what puts of these keys cut short by a crash left (targets whose put is not atomic). */
  removeStaged?(keys: readonly string[]): Promise<void>
}

/**
 * Checks the ETag a server answered with, when it is a digest: S3 gives the MD5 of a single-part,
 * unencrypted object, others may give the SHA-256. A digest that differs means the server stored
 * something else: not shipped. An opaque ETag (SSE-KMS objects, servers that hash differently,
 * RFC 9110 allows any) proves nothing either way and is accepted; the server checked the
 * Content-MD5 / digest headers it was sent.
 */
export function checkEtag(etag: string | null, bytes: Uint8Array): void {
  if (etag === null) return
  const value = etag.replace(/^W\//, '').replaceAll('"', '').toLowerCase()
  const isMd5 = /^[0-9a-f]{32}$/.test(value)
  const isSha256 = /^[0-9a-f]{64}$/.test(value)
  if ((isMd5 && value !== md5Hex(bytes)) || (isSha256 && value !== sha256Hex(bytes))) {
    throw new Error(`the server's ETag ${etag} does not match what was sent`)
  }
}
