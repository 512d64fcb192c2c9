import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '../../src')
const ARCHITECTURE = join(import.meta.dirname, '../../docs/architecture.md')

/**
 * Every table, `schema.table`, with the file that holds its schema and migrations and the files
 * that write it (docs/architecture.md's writer table says the same, and this test checks both).
 * A writer lives in the owner's folder: retention decides what goes, and each stage's prune
 * module deletes its own rows.
 */
const GOLD_FACTS = ['fact_daily_sales', 'fact_hourly_sales', 'fact_daily_product_sales', 'fact_daily_device_sales', 'kpi_daily_orders', 'kpi_revenue_by_region']
const DIMENSIONS = ['dim_product', 'dim_customer', 'dim_store']

const WRITERS: Record<string, { schema: string; writers: readonly string[] }> = {
  'bronze.iot_sales_raw': { schema: 'bronze/schema.ts', writers: ['bronze/identity-table.ts', 'bronze/prune-bronze.ts'] },
  'bronze.iot_sales_rejects': { schema: 'bronze/schema.ts', writers: ['bronze/bronze-store.ts', 'bronze/prune-bronze.ts'] },
  'bronze.iot_sale_voids': { schema: 'bronze/schema.ts', writers: ['bronze/identity-table.ts', 'bronze/prune-bronze.ts'] },
  'bronze.iot_inventory_raw': { schema: 'bronze/schema.ts', writers: ['bronze/identity-table.ts', 'bronze/prune-bronze.ts'] },
  'bronze.device_activity': { schema: 'bronze/schema.ts', writers: ['bronze/bronze-store.ts'] },
  'bronze.bronze_state': { schema: 'bronze/schema.ts', writers: ['bronze/bronze-store.ts'] },
  ...Object.fromEntries(DIMENSIONS.map((table) => [`silver.${table}`, { schema: 'silver/schema.ts', writers: ['silver/dims/import-dimension.ts'] }])),
  'silver.sales_enriched': { schema: 'silver/schema.ts', writers: ['silver/sales-enricher.ts', 'silver/prune-silver.ts'] },
  'silver.sales_quarantine': { schema: 'silver/schema.ts', writers: ['silver/sales-enricher.ts', 'silver/prune-silver.ts'] },
  'silver.expectation_counts': { schema: 'silver/schema.ts', writers: ['silver/sales-enricher.ts'] },
  'silver.pipeline_state': { schema: 'silver/schema.ts', writers: ['silver/sales-enricher.ts'] },
  'silver.day_changes': { schema: 'silver/schema.ts', writers: ['silver/day-changes.ts'] },
  'silver.sale_voids': { schema: 'silver/schema.ts', writers: ['silver/sale-voids.ts', 'silver/prune-silver.ts'] },
  'silver.inventory_movements': { schema: 'silver/schema.ts', writers: ['silver/inventory-enricher.ts', 'silver/prune-silver.ts'] },
  'silver.inventory_on_hand': { schema: 'silver/schema.ts', writers: ['silver/stock-on-hand.ts'] },
  'silver.inventory_stores': { schema: 'silver/schema.ts', writers: ['silver/stock-on-hand.ts'] },
  'silver.inventory_on_hand_state': { schema: 'silver/schema.ts', writers: ['silver/stock-on-hand.ts'] },
  'silver.dim_sync': { schema: 'silver/schema.ts', writers: ['silver/dims/pull-dimension.ts'] },
  'silver.pruned_days': { schema: 'silver/schema.ts', writers: ['silver/prune-silver.ts'] },
  ...Object.fromEntries(GOLD_FACTS.map((table) => [`gold.${table}`, { schema: 'gold/schema.ts', writers: ['gold/gold-writer.ts', 'gold/prune-gold.ts'] }])),
  'gold.refreshed_days': { schema: 'gold/schema.ts', writers: ['gold/gold-writer.ts', 'gold/prune-gold.ts'] },
  'gold.pipeline_state': { schema: 'gold/schema.ts', writers: ['gold/gold-refresher.ts'] },
  'gold.fact_inventory': { schema: 'gold/schema.ts', writers: ['gold/inventory-refresher.ts', 'gold/prune-gold.ts'] },
  'main.devices': { schema: 'broker/registry-schema.ts', writers: ['broker/device-registry.ts'] },
  'main.job_runs': { schema: 'scheduler/schema.ts', writers: ['scheduler/job-run-store.ts'] },
  'main.snapshots': { schema: 'snapshot/schema.ts', writers: ['snapshot/snapshot-catalog.ts'] },
  'main.snapshot_state': { schema: 'snapshot/schema.ts', writers: ['snapshot/snapshot-catalog.ts'] },
  'main.outbox': { schema: 'delivery/schema.ts', writers: ['delivery/outbox.ts'] },
  'main.delivery_state': { schema: 'delivery/schema.ts', writers: ['delivery/delivery-state.ts'] },
  'main.retention_state': { schema: 'retention/schema.ts', writers: ['retention/retention.ts'] },
  'main.schema_owners': { schema: 'db/migrate.ts', writers: ['db/migrate.ts'] },
}

/**
 * Writes whose table is an expression (`gold.${table}`), resolved by hand: the tables each can
 * name. A new one fails the test until it is listed here.
 */
const DYNAMIC_WRITES: Record<string, readonly string[]> = {
  // The event tables' one writer (bronze/event-kinds.ts names them).
  'bronze/identity-table.ts': ['bronze.iot_sales_raw', 'bronze.iot_sale_voids', 'bronze.iot_inventory_raw'],
  'bronze/prune-bronze.ts': ['bronze.iot_sales_raw', 'bronze.iot_sale_voids', 'bronze.iot_inventory_raw'],
  'silver/prune-silver.ts': ['silver.sales_enriched', 'silver.inventory_movements'],
  'gold/gold-writer.ts': GOLD_FACTS.map((table) => `gold.${table}`),
  'gold/prune-gold.ts': GOLD_FACTS.map((table) => `gold.${table}`),
  'silver/dims/import-dimension.ts': DIMENSIONS.map((table) => `silver.${table}`),
  // insertSql(): the statement's text, run by gold-writer.ts (listed above).
  'gold/gold-tables.ts': [],
  // upsertSql(): the statement's text, run by its callers (silver's enrichers, which also delete from their tables by name).
  'db/upsert-sql.ts': [],
}

/** The files that hold migrations: they write their own tables (`{schema}.pipeline_state`) while migrating. */
const MIGRATION_FILES = new Set(Object.values(WRITERS).map((entry) => entry.schema))

const SCHEMAS = new Set(['main', 'bronze', 'silver', 'gold'])

/** A write a file makes: the table as written (`silver.pruned_days`, `outbox`, `gold.${table}`). */
interface Write {
  file: string
  target: string
}

/** The string literals of a source file (quotes and template literals): where its SQL is. */
function stringLiterals(source: string): string[] {
  // Comments first (JSDoc quotes SQL in backticks); only whole-line // comments, a URL has // in it.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  return [...code.matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0])
}

/** The INSERT / REPLACE / UPDATE / DELETE statements in a file's string literals. */
export function writesIn(file: string, source: string): Write[] {
  const writes: Write[] = []
  for (const literal of stringLiterals(source)) {
    // A no-op UPDATE ... WHERE 0 takes a file's write lock (db/locked-transaction.ts); it writes nothing.
    if (/\bWHERE 0\b/.test(literal)) continue
    for (const m of literal.matchAll(/\b(?:INSERT(?:\s+OR\s+[A-Z]+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+([A-Za-z_.${}]+)/g)) {
      const target = m[1]!
      if (target === 'SET') continue // ON CONFLICT ... DO UPDATE SET: the INSERT's table
      writes.push({ file, target })
    }
  }
  return writes
}

/** What a write breaks: the tables it may touch that are not the file's, or why it cannot be resolved. */
export function violationsOf(write: Write): string[] {
  const [first, second] = write.target.split('.')
  const schema = second === undefined ? 'main' : first!
  const table = second === undefined ? first! : second
  if (schema === 'temp') return [] // a connection's scratch table
  if (/^\$?\{schema\}$/.test(schema)) {
    return MIGRATION_FILES.has(write.file) ? [] : [`${write.file} writes ${write.target}: a schema only migrations name`]
  }
  if (!SCHEMAS.has(schema)) return [`${write.file} writes ${write.target}: an unknown schema`]
  let tables: readonly string[]
  if (table.includes('${')) {
    const listed = DYNAMIC_WRITES[write.file]
    if (listed === undefined) return [`${write.file} writes ${write.target}: list the tables it can name in DYNAMIC_WRITES`]
    tables = listed
  } else {
    tables = [`${schema}.${table}`]
  }
  return tables.flatMap((name) => {
    const owner = WRITERS[name]
    if (owner === undefined) return [`${write.file} writes ${name}: a table with no owner in WRITERS`]
    if (owner.writers.includes(write.file) || owner.schema === write.file) return []
    return [`${write.file} writes ${name}, whose writers are ${owner.writers.join(', ')}`]
  })
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

const FILES = sourceFiles(SRC).map((path) => relative(SRC, path))
const ALL_WRITES = FILES.flatMap((file) => writesIn(file, readFileSync(join(SRC, file), 'utf8')))

describe('table writers (docs/architecture.md: who writes what)', () => {
  it('each table is written only by the files its owner names', () => {
    expect(ALL_WRITES.flatMap(violationsOf)).toEqual([])
  })

  it('every table of the migrations has an owner, and its writers live in the owner folder and write it', () => {
    const created = FILES.flatMap((file) => {
      const schema = file.startsWith('bronze/') ? 'bronze' : file.startsWith('silver/') ? 'silver' : file.startsWith('gold/') ? 'gold' : 'main'
      const source = readFileSync(join(SRC, file), 'utf8')
      return [...source.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?(?:\$?\{schema\}\.)?([a-z_]+)\b/g)].map((m) => `${schema}.${m[1]}`)
    })
    expect(created.filter((table) => WRITERS[table] === undefined)).toEqual([])
    for (const [table, owner] of Object.entries(WRITERS)) {
      for (const writer of owner.writers) {
        expect(FILES, `${table}: ${writer}`).toContain(writer)
        expect(dirname(writer).split('/')[0], `${writer} writes ${table} from outside ${owner.schema}'s folder`).toBe(dirname(owner.schema).split('/')[0])
      }
    }
    const written = new Set(
      ALL_WRITES.flatMap((write) =>
        write.target.includes('${') ? (DYNAMIC_WRITES[write.file] ?? []) : [write.target.includes('.') ? write.target : `main.${write.target}`],
      ),
    )
    // (schema_owners is written as `${schema}.schema_owners`: by its migrations' file only.)
    expect(Object.entries(WRITERS).filter(([table, owner]) => !written.has(table) && owner.writers.join() !== owner.schema)).toEqual([])
  })

  it("each table has one writer file, besides its stage's prune module (retention's deletes)", () => {
    const several = Object.entries(WRITERS).filter(
      ([, { writers }]) => writers.length === 0 || writers.filter((file) => !/\/prune-[a-z]+\.ts$/.test(file)).length > 1,
    )
    expect(several.map(([table, { writers }]) => `${table}: ${writers.join(', ')}`)).toEqual([])
  })

  it("docs/architecture.md's writer table names every writer", () => {
    const doc = readFileSync(ARCHITECTURE, 'utf8')
    const section = doc.slice(doc.indexOf('## Files and tables'), doc.indexOf('\n## ', doc.indexOf('## Files and tables') + 1))
    const writers = new Set(Object.values(WRITERS).flatMap((owner) => owner.writers))
    expect([...writers].filter((writer) => !section.includes(`\`${writer}\``))).toEqual([])
  })

  it('the check sees a second writer (it would fail on one)', () => {
    const writes = writesIn('retention/retention.ts', "db.prepare('UPDATE silver.pruned_days SET gold_pruned_at = ? WHERE store_id = ?')")
    expect(writes).toEqual([{ file: 'retention/retention.ts', target: 'silver.pruned_days' }])
    expect(writes.flatMap(violationsOf)).toEqual(['retention/retention.ts writes silver.pruned_days, whose writers are silver/prune-silver.ts'])
    expect(ALL_WRITES).toContainEqual({ file: 'silver/prune-silver.ts', target: 'silver.pruned_days' })
    expect(writesIn('x.ts', "db.prepare('UPDATE main.schema_owners SET version = version WHERE 0')")).toEqual([])
  })
})
