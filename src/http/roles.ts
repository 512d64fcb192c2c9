import { createHash, timingSafeEqual } from 'node:crypto'
import type { Config } from '../config/schema.js'
import { HttpError } from './http-error.js'

export type Role = 'staff' | 'central' | 'admin'

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/**
 * Bearer-token roles [CONTRACT: HTTP]. The admin token opens every role. A role without a token
 * in the config is closed, except staff: with no staff token, what staff sees is open to the
 * store's network (the page must work without typing anything). Tokens are compared as SHA-256
 * digests in constant time.
 */
export class RoleCheck {
  private readonly tokens: Partial<Record<Role, Buffer>>

  constructor(tokens: Config['http']['tokens']) {
    this.tokens = Object.fromEntries(Object.entries(tokens).filter(([, token]) => token).map(([role, token]) => [role, digest(token!)]))
  }

  /** Throws an HttpError unless the Authorization header grants one of the roles. */
  require(roles: readonly Role[], authorization: string | undefined): void {
    if (roles.includes('staff') && this.tokens.staff === undefined) return
    const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1]
    const granted = presented === undefined ? [] : this.grantedBy(digest(presented))
    if (granted.includes('admin') || roles.some((role) => granted.includes(role))) return
    if (presented === undefined) {
      throw new HttpError(401, 'UNAUTHORIZED', `a bearer token of role ${roles.join(' or ')} is required`)
    }
    const open = roles.filter((role) => this.tokens[role] !== undefined || role === 'staff')
    if (open.length === 0 && this.tokens.admin === undefined) {
      throw new HttpError(403, 'ROLE_CLOSED', `role ${roles.join(' or ')} has no token configured (http.tokens): closed`)
    }
    throw new HttpError(granted.length > 0 ? 403 : 401, granted.length > 0 ? 'FORBIDDEN' : 'UNAUTHORIZED',
      granted.length > 0 ? `this token's role (${granted.join(', ')}) may not do this` : 'the bearer token is not valid')
  }

  private grantedBy(presented: Buffer): Role[] {
    return (Object.entries(this.tokens) as [Role, Buffer][]).filter(([, token]) => timingSafeEqual(token, presented)).map(([role]) => role)
  }
}
