/** The gateway refused the token (401): the page asks for one. */
export class AuthError extends Error {}

/** The gateway answered with an error the page cannot fix (its message is shown). */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

/** The gateway did not answer at all (the daemon is down or the network is). */
export class UnreachableError extends Error {}

const TOKEN_KEY = 'medallion-edge.token'
const TIMEOUT_MS = 8000

/** The daemon's HTTP API as the page calls it: same origin, with the saved bearer token if any. */
export class Api {
  token: string | null

  constructor(private readonly storage: Storage) {
    this.token = storage.getItem(TOKEN_KEY)
  }

  saveToken(token: string | null): void {
    this.token = token
    if (token === null) this.storage.removeItem(TOKEN_KEY)
    else this.storage.setItem(TOKEN_KEY, token)
  }

  headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {}
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams()
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value))
    const url = params.size > 0 ? `${path}?${params}` : path
    let response: Response
    try {
      response = await fetch(url, { headers: this.headers(), cache: 'no-store', signal: AbortSignal.timeout(TIMEOUT_MS) })
    } catch {
      throw new UnreachableError('the gateway does not answer')
    }
    if (response.status === 401) throw new AuthError(await errorMessage(response))
    if (!response.ok) throw new ApiError(response.status, await errorMessage(response))
    return (await response.json()) as T
  }
}

/** The message of the API's `{ error: { code, message } }` body. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } }
    return body.error?.message ?? `HTTP ${response.status}`
  } catch {
    return `HTTP ${response.status}`
  }
}
