import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IssuedDevice } from '../../src/broker/device-registry.js'
import { dayColumnOf, GOLD_TABLE_NAMES, SHIPPED_TABLE_NAMES } from '../../src/gold/gold-tables.js'
import { eventTopic } from '../../src/contract/device-topic.js'
import { openMigrated } from '../../src/schemas.js'
import { runCli } from '../helpers/cli.js'
import { recordV1Snapshot, writeV1LakeSnapshot } from '../helpers/older-snapshots.js'
import { startGateway, type RunningGateway } from '../helpers/running-gateway.js'
import { connectDevice, seedSale, topicOf } from '../helpers/sales.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PYTHON = join(ROOT, '.venv/bin/python')
const CENTRAL = 'central-token-for-the-lake-team'
/**
 * The four days before today in the store's zone (examples/dims/store.csv: New York): stock is
 * walked from its first count through today, by the daemon and by the commands alike, so the days
 * are recent ones.
 */
const TODAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
const DAYS = [4, 3, 2, 1].map((back) => new Date(Date.parse(`${TODAY}T12:00:00Z`) - back * 86_400_000).toISOString().slice(0, 10))
const STORES = ['store_001', 'store_002']
/** The engines every lake must read with their defaults; Spark when pyspark installs here. */
const ENGINES = ['pyarrow', 'pandas', 'fastparquet', 'polars', 'duckdb']
const SPARK_UNAVAILABLE = join(ROOT, '.venv/spark-unavailable.txt')
const sparkMissing = existsSync(SPARK_UNAVAILABLE) ? readFileSync(SPARK_UNAVAILABLE, 'utf8').trim() : undefined

type DaySums = Record<string, Record<string, { sums: Record<string, number>; rows: number }>>

/** What interop/read_lake.py sums per store-day of each table (its TABLES). */
const RETURNS = ['gross_amount', 'returns_amount']
const SUMMED: Record<string, string[]> = {
  fact_daily_sales: ['daily_sales_amount', ...RETURNS],
  fact_hourly_sales: ['sales_amount', ...RETURNS],
  kpi_revenue_by_region: ['revenue_amount', ...RETURNS],
  kpi_daily_orders: ['total_amount', ...RETURNS],
  fact_daily_product_sales: ['sales_amount', ...RETURNS],
  fact_inventory: ['closing_units', 'sold_units', 'shrink_units'],
}

function python(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

async function pythonJson<T>(args: string[]): Promise<T> {
  const result = await python(args)
  if (result.code !== 0) throw new Error(`python ${args.join(' ')} failed (${result.code}): ${result.stderr.slice(-2000)}`)
  return JSON.parse(result.stdout) as T
}

/** The recipes of docs/central.md, by their fence tag (```python pandas). */
function recipes(): Map<string, { language: string; code: string }> {
  const doc = readFileSync(join(ROOT, 'docs/central.md'), 'utf8')
  return new Map([...doc.matchAll(/```(python|sql) ([a-z-]+)\n([\s\S]*?)```/g)].map((match) => [match[2]!, { language: match[1]!, code: match[3]! }]))
}

/**
 * Runs a recipe of the docs on a lake, as the central team would paste it (the lake's path put in
 * place of /lake/medallion), and returns its `daily` as {"date|store": minor units}. Python recipes
 * leave `daily` (pandas, polars, pyarrow or Spark rows); SQL ones are run by DuckDB.
 */
async function runRecipe(name: string, lake: string): Promise<Record<string, number>> {
  const all = recipes()
  const recipe = all.get(name)
  if (recipe === undefined) throw new Error(`docs/central.md has no recipe ${name}`)
  const script = join(lake, `..`, `recipe-${name}.py`)
  const body =
    recipe.language === 'sql'
      ? `import duckdb\ndaily = duckdb.sql(${JSON.stringify(recipe.code.replaceAll('{lake}', lake))}).fetchall()\n`
      : `${name.endsWith('-current') ? all.get('current-files')!.code : ''}\n${recipe.code.replaceAll('/lake/medallion', lake)}`
  writeFileSync(
    script,
    `${body}
import json
def _rows(x):
    if hasattr(x, "to_pylist"): return x.to_pylist()
    if hasattr(x, "to_dicts"): return x.to_dicts()
    if hasattr(x, "to_dict"): return x.to_dict("records")
    return [r.asDict() if hasattr(r, "asDict") else {"sale_date": r[0], "store_id": r[1], "total_amount": r[2]} for r in x]
out = {}
for row in _rows(daily):
    amount = next(v for k, v in row.items() if k.startswith("total_amount"))
    out[f"{str(row['sale_date'])[:10]}|{row['store_id']}"] = int(amount)
print(json.dumps(out, sort_keys=True))
`,
  )
  return pythonJson<Record<string, number>>([script])
}

describe("central reads the lake with each engine's defaults (pyarrow, pandas, fastparquet, polars, DuckDB, Spark)", () => {
  let gw: RunningGateway
  let device: IssuedDevice
  let configFile = ''
  let gold: DaySums = {}
  const work = makeTempDir('medallion-interop-')
  const pulled = join(work.path, 'pulled')
  const exported = join(work.path, 'exported')
  const olderLake = join(work.path, 'older')

  const publish = async (sales: Record<string, unknown>[]): Promise<void> => {
    const client = await connectDevice(gw.url, device)
    for (const sale of sales) await client.publishAsync(topicOf(device), JSON.stringify(sale), { qos: 1 })
    await client.endAsync()
  }
  /** Per store-day sums of every gold table, through the gateway's own API (central's token). */
  const readGold = async (): Promise<DaySums> => {
    const sums: DaySums = {}
    expect(Object.keys(SUMMED)).toEqual(SHIPPED_TABLE_NAMES)
    for (const table of SHIPPED_TABLE_NAMES) {
      sums[table] = {}
      for (const store of STORES) {
        const response = await fetch(`http://127.0.0.1:${gw.addresses.http.port}/api/v1/gold/${table}?from=${DAYS[0]}&to=${TODAY}&store_id=${store}`, {
          headers: { authorization: `Bearer ${CENTRAL}` },
        })
        for (const row of ((await response.json()) as { rows: Record<string, unknown>[] }).rows) {
          const key = `${row[dayColumnOf(table)] as string}|${store}`
          const entry = (sums[table]![key] ??= { sums: Object.fromEntries(SUMMED[table]!.map((column) => [column, 0])), rows: 0 })
          for (const column of SUMMED[table]!) entry.sums[column]! += row[column] as number
          entry.rows++
        }
      }
    }
    return sums
  }
  const dailyGold = (): Record<string, number> =>
    Object.fromEntries(Object.entries(gold.kpi_daily_orders!).map(([key, value]) => [key, value.sums.total_amount!]))
  /** Gold's sales tables only: a lake made before stock existed has no fact_inventory. */
  const salesGold = (): DaySums => Object.fromEntries(Object.entries(gold).filter(([table]) => table !== 'fact_inventory'))
  /** Sales gold has counted, over both stores. */
  const goldSales = async (): Promise<number> => {
    let sales = 0
    for (const store of STORES) {
      const response = await fetch(
        `http://127.0.0.1:${gw.addresses.http.port}/api/v1/gold/kpi_daily_orders?from=${DAYS[0]}&to=${DAYS.at(-1)}&store_id=${store}`,
        { headers: { authorization: `Bearer ${CENTRAL}` } },
      )
      for (const row of ((await response.json()) as { rows: { sales_count: number }[] }).rows) sales += row.sales_count
    }
    return sales
  }
  const waitForGold = async (sales: number): Promise<void> => {
    const until = Date.now() + 15_000
    while ((await goldSales()) !== sales) {
      if (Date.now() > until) throw new Error(`gold did not reach ${sales} sales within 15 s (${await goldSales()})`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  beforeAll(async () => {
    expect(existsSync(PYTHON), 'npm run interop makes .venv (scripts/ensure-python-venv.sh)').toBe(true)
    gw = await startGateway({ http: { tokens: { central: CENTRAL } } })
    configFile = join(work.path, 'central.json')
    writeFileSync(
      configFile,
      JSON.stringify({ dataDir: gw.dataDir, pull: { from: [`http://127.0.0.1:${gw.addresses.http.port}`], token: CENTRAL, into: pulled } }),
    )
    const examples = join(ROOT, 'examples/dims')
    for (const dimension of ['product', 'customer', 'store']) {
      expect((await runCli(['dims', 'import', dimension, join(examples, `${dimension}.csv`), '--config', configFile])).code).toBe(0)
    }
    // Four days, two stores (a till each), several products, customers, orders and hours; every
    // fifth line a return, and one line a day voided (snapshot format 3: net, gross, returns).
    device = gw.addDevice('till-1')
    const other = gw.addDevice('till-2', 'store_002')
    const sales = DAYS.flatMap((day, d) =>
      Array.from({ length: 12 }, (_, i) =>
        seedSale({
          device_id: 'till-1',
          timestamp: `${day}T${String(9 + (i % 10)).padStart(2, '0')}:${String(i * 4).padStart(2, '0')}:00Z`,
          product_id: 101 + ((i + d) % 17),
          price: (199 + i * 37 + d * 11) / 100,
          quantity: (1 + (i % 3)) * (i % 5 === 4 ? -1 : 1),
          customer_id: i % 4 === 0 ? null : 1001 + i,
          order_id: `o-${d}-${Math.floor(i / 2)}`,
        }),
      ),
    )
    const voided = sales.filter((_, i) => i % 12 === 2)
    // A shelf count of three products each morning, from a handheld.
    const scanner = gw.addDevice('scanner-1')
    const handheld = await connectDevice(gw.url, scanner)
    for (const [d, day] of DAYS.entries()) {
      const counts = [101, 102, 103].map((product) => ({
        event_id: `count-${day}-${product}`,
        device_id: 'scanner-1',
        store_id: 'store_001',
        timestamp: `${day}T08:00:00Z`,
        product_id: product,
        type: 'count',
        quantity: 20 + d,
      }))
      await handheld.publishAsync(eventTopic(scanner, 'inventory'), JSON.stringify(counts), { qos: 1 })
    }
    await handheld.endAsync()
    await publish([
      ...sales,
      ...voided.map((line) => ({
        event_id: `void-${line.event_id as string}`,
        device_id: 'till-1',
        store_id: 'store_001',
        timestamp: line.timestamp,
        void_of: line.event_id,
      })),
    ])
    const client = await connectDevice(gw.url, other)
    for (const [d, day] of DAYS.entries()) {
      await client.publishAsync(
        topicOf(other),
        JSON.stringify(seedSale({ device_id: 'till-2', store_id: 'store_002', timestamp: `${day}T15:00:00Z`, price: 10 + d })),
        { qos: 1 },
      )
    }
    await client.endAsync()
    // Gold counts sale lines: not returns, not voided ones.
    await waitForGold(sales.filter((sale, i) => (sale.quantity as number) > 0 && i % 12 !== 2).length + DAYS.length)
    gold = await readGold()
    for (const day of DAYS) expect(gold.kpi_daily_orders![`${day}|store_001`]!.sums.returns_amount, day).toBeGreaterThan(0)
    // Stock: a row per product and day once counted, and for each product sold that day (its stock not known).
    for (const day of DAYS) {
      const moved = new Set([
        101,
        102,
        103,
        ...sales.filter((sale, i) => (sale.timestamp as string).startsWith(day) && i % 12 !== 2).map((sale) => sale.product_id as number),
      ])
      expect(gold.fact_inventory![`${day}|store_001`]!.rows, day).toBe(moved.size)
    }
  })
  afterAll(async () => {
    await gw?.stop()
    work.remove()
  })

  it('a lake of format 1 (what an older pull made): engines refuse it as the issue says; pull rewrites it once, then every engine equals gold', async () => {
    const db = openMigrated(gw.dataDir)
    for (const store of STORES) for (const day of DAYS) writeV1LakeSnapshot(olderLake, db, store, day)
    db.close()
    const before = await python([join(ROOT, 'interop/read_lake.py'), 'pyarrow', olderLake])
    expect(before.code).not.toBe(0)
    expect(before.stderr).toMatch(/Unable to merge: Field sale_date has incompatible types: date32\[day\] vs string/)
    expect(
      (await pythonJson<{ violations: unknown[] }>([join(ROOT, 'interop/lake_rules.py'), 'partition-columns', olderLake])).violations.length,
    ).toBeGreaterThan(0)

    // pull against a gateway with nothing to pull yet: it only brings the lake to format 2.
    writeFileSync(
      join(work.path, 'older.json'),
      JSON.stringify({ dataDir: gw.dataDir, pull: { from: [`http://127.0.0.1:${gw.addresses.http.port}`], into: olderLake } }),
    )
    const upgrade = await runCli(['pull', '--config', join(work.path, 'older.json')], { MEDALLION_EDGE_CENTRAL_TOKEN: CENTRAL })
    expect([upgrade.code, upgrade.stderr]).toEqual([0, ''])
    expect(upgrade.stdout).toMatch(
      new RegExp(`: 0 snapshots.* ${STORES.length * DAYS.length * GOLD_TABLE_NAMES.length} files of an older snapshot format rewritten`),
    )
    for (const engine of ENGINES) expect(await pythonJson<DaySums>([join(ROOT, 'interop/read_lake.py'), engine, olderLake]), engine).toEqual(salesGold())
    expect(await pythonJson([join(ROOT, 'interop/lake_rules.py'), 'partition-columns', olderLake])).toEqual({
      files: STORES.length * DAYS.length * GOLD_TABLE_NAMES.length,
      violations: [],
    })
  })

  it('lakes from pull (one current file per partition) and from snapshot export (every version), late data included', async () => {
    // An upgraded gateway may still hold format-1 snapshots of some days: the first pull rewrites those as they land.
    const db = openMigrated(gw.dataDir)
    recordV1Snapshot(db, join(gw.dataDir, 'snapshots'), 'store_001', DAYS[0]!)
    db.close()
    await gw.gateway.scheduler.runNow('snapshot')
    expect((await runCli(['pull', '--config', configFile], { MEDALLION_EDGE_CENTRAL_TOKEN: '' })).code).toBe(0)
    const exportAll = async (): Promise<void> => {
      for (const store of STORES) {
        for (const day of DAYS) {
          const result = await runCli(['snapshot', 'export', '--date', day, '--store', store, '--out', exported, '--config', configFile])
          expect(result.code, result.stderr).toBe(0)
        }
      }
    }
    await exportAll()
    // Late data for the second day: a new version supersedes the last; export keeps both.
    const sales = await goldSales()
    await publish([seedSale({ device_id: 'till-1', timestamp: `${DAYS[1]}T20:30:00Z`, product_id: 199, price: 42.42 })])
    await waitForGold(sales + 1)
    gold = await readGold()
    await gw.gateway.scheduler.runNow('snapshot')
    expect((await runCli(['pull', '--config', configFile])).code).toBe(0)
    await exportAll()
    expect(readdirSync(join(exported, 'kpi_daily_orders', `sale_date=${DAYS[1]}`, 'store_id=store_001')).length).toBeGreaterThan(1)
    expect(readdirSync(join(pulled, 'kpi_daily_orders', `sale_date=${DAYS[1]}`, 'store_id=store_001')).length).toBe(1)

    // Every engine, every table, per store-day: the pulled lake as it is.
    for (const engine of ENGINES) expect(await pythonJson<DaySums>([join(ROOT, 'interop/read_lake.py'), engine, pulled]), engine).toEqual(gold)
    // No column both in the files and in the partition schema (Spark's rule, and DataFusion's), in either lake.
    for (const lake of [pulled, exported])
      expect((await pythonJson<{ violations: unknown[] }>([join(ROOT, 'interop/lake_rules.py'), 'partition-columns', lake])).violations).toEqual([])
  })

  it('the recipes of docs/central.md: as-is on the pulled lake, through the manifests on both lakes; each equals gold to the cent', async () => {
    const spark = sparkMissing === undefined
    for (const name of ['pandas', 'pyarrow', 'polars', 'duckdb-pulled', ...(spark ? ['spark'] : [])]) {
      expect(await runRecipe(name, pulled), `${name} on the pulled lake`).toEqual(dailyGold())
    }
    for (const name of ['pandas-current', 'polars-current', 'duckdb-current', ...(spark ? ['spark-current'] : [])]) {
      for (const lake of [pulled, exported]) expect(await runRecipe(name, lake), `${name} on ${lake}`).toEqual(dailyGold())
    }
    // Why the manifests matter: read as it is, a folder with every version counts the late day twice.
    const plain = await runRecipe('pandas', exported)
    const lateDay = `${DAYS[1]}|store_001`
    expect(plain[lateDay]).toBeGreaterThan(dailyGold()[lateDay]!)
    expect({ ...plain, [lateDay]: dailyGold()[lateDay] }).toEqual(dailyGold())
  })

  it('Spark in local mode when pyspark installs here; when it does not, why, and its rule checked directly', async () => {
    if (sparkMissing === undefined) {
      expect(await pythonJson<DaySums>([join(ROOT, 'interop/read_lake.py'), 'spark', pulled])).toEqual(gold)
      return
    }
    // Not a pass in disguise: the reason is printed with the suite's output, and the rule Spark
    // applies to a Hive lake (no column both in the data and the partition schema) is checked above
    // on both lakes, by reading every file's schema with pyarrow.
    console.warn(`Spark not run: pip install pyspark failed here:\n${sparkMissing}`)
    expect(sparkMissing).toMatch(/pyspark|java/)
  })

  it('the metadata keys read back where each engine shows them: pyarrow schema, DuckDB parquet_kv_metadata, polars', async () => {
    const manifest = JSON.parse(readFileSync(join(pulled, '_manifests', `store_001-${DAYS[1]}-v2.json`), 'utf8')) as {
      files: { table: string; path: string }[]
      snapshot_id: string
    }
    const file = join(pulled, manifest.files.find((entry) => entry.table === 'kpi_daily_orders')!.path)
    const expected = {
      'medallion.amounts': 'integer minor units',
      'medallion.currency': 'USD',
      'medallion.minor_unit_digits': '2',
      'medallion.sale_date': DAYS[1],
      'medallion.schema_version': '3',
      'medallion.snapshot_id': manifest.snapshot_id,
      'medallion.store_id': 'store_001',
      'medallion.table': 'kpi_daily_orders',
    }
    expect(await pythonJson([join(ROOT, 'interop/lake_rules.py'), 'metadata', file])).toEqual({ pyarrow: expected, duckdb: expected, polars: expected })
  })
})
