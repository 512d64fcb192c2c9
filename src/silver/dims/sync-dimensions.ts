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
