import { Agent, fetch as undiciFetch } from 'undici'

/**
 * `fetch` for a client of a server whose certificate a private CA signed (`pull.caFile`,
 * `upload.http.caFile`, ...): https URLs are verified against these CA certificates only, as
 * Node's TLS does with `ca`. Without a CA it is the global fetch (Node's bundled public roots).
 * Certificates are always verified: there is no switch to turn that off.
 */
export function fetchTrusting(ca: Buffer | undefined): typeof fetch {
  if (ca === undefined) return fetch
  // undici's own fetch with its own Agent: Node's global fetch bundles another undici, whose
  // dispatcher interface need not match the npm package's.
  const dispatcher = new Agent({ connect: { ca } })
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as typeof fetch
}
