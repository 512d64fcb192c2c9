import { createHash, timingSafeEqual } from 'node:crypto'
import type { Config } from '../config/schema.js'
import { MedallionError } from '../errors.js'

export type Role = 'staff' | 'central' | 'admin'

export interface RoleOptions {
  /** What staff needs on the shop floor (dashboard, totals): open when no staff token is set. */
  openWithoutStaffToken?: boolean
}

function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1]
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/**
 * Bearer-token roles (docs/gold.md, "HTTP API"). The admin token opens every role. A role without a token
 * in the config is closed, except what staff sees on the shop floor: with no staff token the
 * dashboard and totals are open to the store's network (the page must work without typing
 * anything). Tokens are compared as SHA-256 digests in constant time.
 */
export class RoleCheck {
  private tokens: Partial<Record<Role, Buffer>> = {}
  private readonly listeners = new Set<() => void>()

  constructor(tokens: Config['http']['tokens']) {
    this.update(tokens)
  }

  /**
   * New tokens (SIGHUP): the next request is checked against them, and what holds access open
   * past its request (the live streams) is told at once, so it can check again (`onUpdate`).
   */
  update(tokens: Config['http']['tokens']): void {
    this.tokens = Object.fromEntries(
      Object.entries(tokens)
        .filter(([, token]) => token)
        .map(([role, token]) => [role, digest(token!)]),
    )
    for (const listener of this.listeners) listener()
  }

  /** Calls `listener` after every update of the tokens; returns what stops it. */
  onUpdate(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Throws a MedallionError (UNAUTHORIZED, FORBIDDEN, ROLE_CLOSED) unless the Authorization header grants one of the roles. */
  require(roles: readonly Role[], authorization: string | undefined, options: RoleOptions = {}): void {
    if (options.openWithoutStaffToken && roles.includes('staff') && this.tokens.staff === undefined) return
    if (!roles.some((role) => this.tokens[role] !== undefined) && this.tokens.admin === undefined) {
      throw new MedallionError('ROLE_CLOSED', `no token is configured for role ${roles.join(' or ')} (http.tokens): closed`)
    }
    const presented = bearerToken(authorization)
    if (presented === undefined) throw new MedallionError('UNAUTHORIZED', `a bearer token of role ${roles.join(' or ')} is required`)
    const granted = this.grantedBy(digest(presented))
    if (granted.includes('admin') || roles.some((role) => granted.includes(role))) return
    if (granted.length > 0) throw new MedallionError('FORBIDDEN', `this token's role (${granted.join(', ')}) may not do this`)
    throw new MedallionError('UNAUTHORIZED', 'the bearer token is not valid')
  }

  /** Whether the Authorization header grants one of the roles now (`require` without the reason). */
  allows(roles: readonly Role[], authorization: string | undefined, options: RoleOptions = {}): boolean {
    try {
      this.require(roles, authorization, options)
      return true
    } catch {
      return false
    }
  }

  /**
   * The roles a request holds, for the staff page to know what to show: none without a token
   * (plus staff while staff is open), all with the admin token; a token no role has is a 401.
   */
  rolesOf(authorization: string | undefined): Role[] {
    const presented = bearerToken(authorization)
    if (presented === undefined) return this.tokens.staff === undefined ? ['staff'] : []
    const granted = this.grantedBy(digest(presented))
    if (granted.length === 0) throw new MedallionError('UNAUTHORIZED', 'the bearer token is not valid')
    if (granted.includes('admin')) return ['staff', 'central', 'admin']
    return this.tokens.staff === undefined && !granted.includes('staff') ? ['staff', ...granted] : granted
  }

  private grantedBy(presented: Buffer): Role[] {
    return (Object.entries(this.tokens) as [Role, Buffer][]).filter(([, token]) => timingSafeEqual(token, presented)).map(([role]) => role)
  }
}
