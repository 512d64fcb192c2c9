import type { FastifyPluginAsync } from 'fastify'
import type { AppDeps } from '../app-deps.js'
import { storeToday } from '../dates.js'
import { MedallionError } from '../../errors.js'

/**
 * GET /api/v1/session: what the staff page needs before it shows anything: the roles of the
 * presented token (none: 401, so the page asks for one), the stores with their time zone and
 * today, the currency, locale and silent-device threshold of the config.
 */
export function sessionRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/v1/session', async (request) => {
      const roles = request.grantedRoles()
      if (roles.length === 0) throw new MedallionError('UNAUTHORIZED', 'a bearer token of role staff, central or admin is required')
      return {
        roles,
        store_id: deps.storeId,
        stores: deps.stores().map((store) => ({ ...store, today: storeToday(deps, store.store_id) })),
        currency: { code: deps.dashboard.currency.code, minor_unit_digits: deps.dashboard.currency.minorUnitDigits },
        locale: deps.dashboard.locale,
        device_silent_minutes: deps.dashboard.deviceSilentMinutes,
      }
    })
  }
}
