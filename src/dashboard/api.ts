/** The gateway refused the token (401): the page asks for one. */
export class AuthError extends Error {}

/** The gateway answered with an error the page cannot fix (its message is shown). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** The gateway did not answer at all (the daemon is down or the network is). */
export class UnreachableError extends Error {}

const TOKEN_KEY = 'medallion-edge.token'
/** An answer slower than this counts as no answer: the page says it is offline within seconds. */
const TIMEOUT_MS = 4000

/** The daemon's HTTP API as the page calls it: same origin, with the saved bearer token if any. */
export class Api {
  token: string | null

  constructor(
    private readonly browser: Storage,
    private readonly tab: Storage,
  ) {
    this.token = tab.getItem(TOKEN_KEY) ?? browser.getItem(TOKEN_KEY)
  }

  /**
   * `browser`: kept for the next visit (staff on a till, so that the page opens by itself);
   * `tab`: forgotten when the tab closes (an admin token on a shared screen). null forgets it.
   */
  saveToken(token: string | null, keep: 'browser' | 'tab' = 'browser'): void {
    this.token = token
    this.browser.removeItem(TOKEN_KEY)
    this.tab.removeItem(TOKEN_KEY)
    if (token !== null) (keep === 'browser' ? this.browser : this.tab).setItem(TOKEN_KEY, token)
  }

  headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {}
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return (await this.getTagged<T>(path, query)).body
  }

  /** The answer and its ETag (GET /api/v1/day's: the live stream then skips the same figures). */
  async getTagged<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<{ body: T; etag: string | null }> {
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
    return { body: (await response.json()) as T, etag: response.headers.get('etag') }
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
