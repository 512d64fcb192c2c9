/** The address to reach a listener bound to `host`: a wildcard bind is reached on loopback. */
export function connectHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
}
