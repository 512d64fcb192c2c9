import { createHash } from 'node:crypto'

/**
 * The tag of a day view's exact JSON (GET /api/v1/day's body, the live `day` event's data): 128
 * bits of its SHA-256, base64url. Equal tags, equal bytes: the page that has a day's figures from
 * `/day` passes the tag to the live stream (`day_etag`), which then skips its first `day` event
 * when its view of today is the same.
 */
export function dayTagOf(json: string): string {
  return createHash('sha256').update(json).digest('base64url').slice(0, 22)
}

/**
 * The ETag header of a tag. Weak (RFC 9110, 8.8.1): the answer is sent plain, Brotli or gzip, and a
 * strong tag would have to differ per content coding (a proxy such as nginx weakens it anyway when
 * it compresses).
 */
export function etagOf(tag: string): string {
  return `W/"${tag}"`
}

/** The tag in an ETag as a client hands it back (`W/"t"`, `"t"` or `t`). */
export function opaqueTagOf(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
}

/** Whether an If-None-Match header names the tag (weak comparison, RFC 9110, 13.1.2), or is `*`. */
export function matchesIfNoneMatch(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false
  return header.split(',').some((etag) => etag.trim() === '*' || opaqueTagOf(etag) === tag)
}
