/** The codes of a failed connection, in the words an operator acts on. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens there: is the daemon running, is the port right?)',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'host name lookup failed (DNS not answering)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out while connecting',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the answer',
  UND_ERR_SOCKET: 'the connection closed before the answer',
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS: the server's certificate is self-signed, and not one this client trusts",
  SELF_SIGNED_CERT_IN_CHAIN: "TLS: the server's certificate is signed by a CA this client does not trust",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS: the server's certificate is signed by a CA this client does not trust",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "TLS: the server's certificate is signed by a CA this client does not trust",
  UNABLE_TO_GET_ISSUER_CERT: "TLS: the server's certificate is signed by a CA this client does not trust",
  CERT_SIGNATURE_FAILURE: "TLS: the server's certificate does not carry a valid signature of its CA",
  CERT_HAS_EXPIRED: "TLS: the server's certificate has expired",
  CERT_NOT_YET_VALID: "TLS: the server's certificate is not valid yet (is this machine's clock right?)",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS: the server's certificate does not name this host",
  EPROTO: 'TLS or protocol error (an https URL to a plain http port?)',
}

/** The codes of a certificate this client does not trust: the fix is a CA file. */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
])

/**
 * Why a connection failed, in one phrase: Node's fetch says only "fetch failed" and keeps the
 * reason in `cause` (ECONNREFUSED, a TLS code, a timeout); mqtt.js passes the socket's error.
 * `caKey`: the config key of the client's CA file, named when the server's certificate is not
 * trusted (the fix).
 */
export function describeNetworkError(error: unknown, caKey?: string): string {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return 'no answer in time (timeout)'
    const code = (current as NodeJS.ErrnoException).code
    if (code !== undefined && REASONS[code]) {
      if (caKey !== undefined && UNTRUSTED.has(code)) return `${REASONS[code]} (a private CA or a self-signed certificate: give it as ${caKey})`
      return REASONS[code]
    }
    current = (current as { cause?: unknown }).cause
  }
  return error instanceof Error ? error.message : String(error)
}
