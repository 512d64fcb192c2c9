import { Agent, fetch as undiciFetch } from 'undici'
import { describeNetworkError } from './network-error.js'

/**
 * `fetch` for the gateway's and central's clients (pull, upload targets, the dims pull). https
 * servers' certificates are always verified: against the CA certificates in `ca` only when given
 * (`pull.caFile`, `upload.http.caFile`, ...), else against Node's bundled public roots; there is no
 * switch to turn that off. A connection that fails throws one Error naming the method, the URL
 * and why in words, with `caKey` named when the certificate is not trusted (the fix).
 */
export function verifiedFetch(ca: Buffer | undefined, caKey: string): typeof fetch {
  // undici's own fetch with its own Agent: Node's global fetch bundles another undici, whose
  // dispatcher interface need not match the npm package's.
  const dispatcher = ca === undefined ? undefined : new Agent({ connect: { ca } })
  const send = (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> =>
    dispatcher === undefined
      ? fetch(input, init)
      : (undiciFetch(input as Parameters<typeof undiciFetch>[0], {
          ...(init as Parameters<typeof undiciFetch>[1]),
          dispatcher,
        }) as unknown as Promise<Response>)
  return async (input, init) => {
    try {
      return await send(input, init)
    } catch (error) {
      throw new Error(`${init?.method ?? 'GET'} ${String(input)}: ${describeNetworkError(error, caKey)}`, { cause: error })
    }
  }
}
