import type { Config } from '../../config/schema.js'
import type { SqliteDatabase } from '../../db/open.js'
import { verifiedFetch } from '../../util/https-fetch.js'
import { readCaFile } from '../../util/tls-credentials.js'
import { enricherFromConfig } from '../enricher-from-config.js'
import { DIMENSIONS } from './dimension-spec.js'
import { pullDimension, type PullContext, type PullOutcome } from './pull-dimension.js'

/** Stores first (their time zones date the sales), then products and customers. */
const ORDER = ['store', 'product', 'customer'] as const

/** Pulls every dimension from central, one after the other; one failing does not stop the others. */
export async function syncDimensions(context: PullContext): Promise<PullOutcome[]> {
  const outcomes: PullOutcome[] = []
  for (const name of ORDER) outcomes.push(await pullDimension(DIMENSIONS[name], context))
  return outcomes
}

/** The pull as the config defines it, with real time: what `dims sync` and the job run. */
export function pullContextFromConfig(db: SqliteDatabase, config: Readonly<Config>): PullContext {
  return {
    db,
    enricher: enricherFromConfig(db, config),
    dims: config.dims,
    storeId: config.storeId,
    dataDir: config.dataDir,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    fetch: verifiedFetch(readCaFile(config.dims.caFile, 'dims.caFile'), 'dims.caFile'),
  }
}
