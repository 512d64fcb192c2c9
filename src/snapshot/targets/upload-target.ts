import { createHash } from 'node:crypto'

/** Where snapshots are shipped: S3-compatible storage, an HTTP(S) PUT endpoint, or a directory. */
export interface UploadTarget {
  readonly name: string
  /** Stores the bytes under `key`; resolves only when the target has confirmed these exact bytes. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex')
}

export function digestBase64(algorithm: 'md5' | 'sha256', bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest('base64')
}

/**
 * Checks the ETag a server answered with: S3 gives the MD5 of a single-part object, others may
 * give the SHA-256. A different one means the server stored something else: not shipped.
 */
export function checkEtag(etag: string | null, bytes: Uint8Array, required: boolean): void {
  if (etag === null) {
    if (required) throw new Error('the server answered without an ETag')
    return
  }
  const value = etag.replace(/^W\//, '').replaceAll('"', '').toLowerCase()
  if (value !== md5Hex(bytes) && value !== createHash('sha256').update(bytes).digest('hex')) {
    throw new Error(`the server's ETag ${etag} does not match what was sent`)
  }
}
