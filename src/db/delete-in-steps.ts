/**
 * Rows deleted per step. Each step is its own short transaction, so a big prune holds a file's
 * write lock for one step at a time: bronze.db's is the ack path's, which waits at most for one.
 */
export const ROWS_PER_DELETE = 10_000

/**
 * Deletes in bounded steps: `find(limit)` lists up to `limit` ids still there, `remove(ids)`
 * deletes them (one statement, one transaction) and returns how many went; until `find` lists none.
 * Each stage's prune module passes its own statements: the helper knows no table. Returns the rows
 * deleted.
 */
export function deleteInSteps(find: (limit: number) => readonly number[], remove: (ids: readonly number[]) => number, rowsPerStep = ROWS_PER_DELETE): number {
  let deleted = 0
  for (;;) {
    const ids = find(rowsPerStep)
    if (ids.length === 0) return deleted
    deleted += remove(ids)
  }
}

/** The ids as one parameter, for `DELETE ... WHERE id IN (SELECT value FROM json_each(?))`. */
export function idsParameter(ids: readonly number[]): string {
  return JSON.stringify(ids)
}
