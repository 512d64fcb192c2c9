import type { SqliteDatabase } from '../../src/db/open.js'

/** A product's stock now, as silver keeps it or as gold's newest row closes. */
export interface Position {
  units: number
  known: number
  counted: number
  lastCountAt: string | null
}

/** A position at 0, not known nor counted, is no stock figure: a row or none (a sale then its void; a sale and its return). */
const isFigure = (position: Position): boolean => position.units !== 0 || position.known !== 0 || position.counted !== 0
const figures = (positions: [string, Position][]): Record<string, Position> => Object.fromEntries(positions.filter(([, position]) => isFigure(position)))

/** Each product's stock by silver.inventory_on_hand, by `store_id product_id`. */
export function silverPositions(db: SqliteDatabase): Record<string, Position> {
  const rows = db.prepare('SELECT * FROM silver.inventory_on_hand ORDER BY store_id, product_id').all() as Record<string, number | string | null>[]
  return figures(
    rows.map((row) => [
      `${row.store_id} ${row.product_id}`,
      {
        units: row.on_hand_units as number,
        known: row.known as number,
        counted: row.counted as number,
        lastCountAt: row.last_count_ms === null ? null : new Date(row.last_count_ms as number).toISOString(),
      },
    ]),
  )
}

/** Each product's stock by gold: its newest fact_inventory row's closing. */
export function goldPositions(db: SqliteDatabase): Record<string, Position> {
  const rows = db
    .prepare(
      `SELECT * FROM gold.fact_inventory f WHERE stock_date = (SELECT max(stock_date) FROM gold.fact_inventory l
        WHERE l.store_id = f.store_id AND l.product_id = f.product_id) ORDER BY store_id, product_id`,
    )
    .all() as Record<string, number | string | null>[]
  return figures(
    rows.map((row) => [
      `${row.store_id} ${row.product_id}`,
      {
        units: row.closing_units as number,
        known: row.known as number,
        counted: 1 - (row.uncounted as number),
        lastCountAt: row.last_count_at as string | null,
      },
    ]),
  )
}
