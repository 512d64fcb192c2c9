import type { Statement } from 'better-sqlite3'
import type { SqliteDatabase } from '../db/open.js'

/** One SCD2 version of a member: its attributes for sales in [fromMs, toMs). */
interface Version<A> {
  fromMs: number
  toMs: number
  attributes: A
}

export interface ProductAttributes {
  product_name: string
  category: string
}
export interface CustomerAttributes {
  customer_name: string
  region: string
}
export interface StoreAttributes {
  store_name: string
  region: string
  timezone: string
}

/** A dimension's attributes from a raw row whose first is at `at` (then valid_from_ms, valid_to_ms). */
type AttributesOf<A> = (row: unknown[], at: number) => A

/** A dimension's attribute columns and how to read them from a raw row (cheaper than better-sqlite3's named rows). */
interface AttributeColumns<A> {
  columns: string
  read: AttributesOf<A>
}

const PRODUCT: AttributeColumns<ProductAttributes> = {
  columns: 'product_name, category',
  read: (row: unknown[], at: number): ProductAttributes => ({ product_name: row[at] as string, category: row[at + 1] as string }),
}
const CUSTOMER: AttributeColumns<CustomerAttributes> = {
  columns: 'customer_name, region',
  read: (row: unknown[], at: number): CustomerAttributes => ({ customer_name: row[at] as string, region: row[at + 1] as string }),
}
const STORE: AttributeColumns<StoreAttributes> = {
  columns: 'store_name, region, timezone',
  read: (row: unknown[], at: number): StoreAttributes => ({ store_name: row[at] as string, region: row[at + 1] as string, timezone: row[at + 2] as string }),
}

/**
 * Members kept per dimension. When full, all are forgotten at once and read again as sales ask for
 * them: a hit stays one Map read (a least-recently-used order cost a delete and a set per hit).
 */
const MAX_MEMBERS = 100_000

/**
 * The versions of one dimension's members, read from silver once and kept: a sale's point-in-time
 * lookup is then a Map read instead of a join. Members are loaded as sales ask for them, so memory
 * follows what is sold, not the size of the file.
 */
class MemberVersions<K, A> {
  private readonly members = new Map<K, Version<A>[]>()

  /**
   * @param select the versions of one member (`key = ?`), raw rows: attributes, valid_from_ms, valid_to_ms
   * @param selectMany the versions of the members in a JSON array (`key IN json_each(?)`), raw rows
   *   led by the member's key
   * @param attributes reads a version's attributes from a raw row
   * @param width how many attribute columns a row has
   */
  constructor(
    private readonly select: Statement<[K]>,
    private readonly selectMany: Statement<[string]>,
    private readonly attributes: AttributesOf<A>,
    private readonly width: number,
  ) {}

  private version(row: unknown[], at: number): Version<A> {
    return { fromMs: row[at + this.width] as number, toMs: row[at + this.width + 1] as number, attributes: this.attributes(row, at) }
  }

  /** The version valid at `ms`, or undefined (no member, or none at that time). */
  at(key: K, ms: number): A | undefined {
    let versions = this.members.get(key)
    if (versions === undefined) {
      versions = (this.select.all(key) as unknown[][]).map((row) => this.version(row, 0))
      this.keep(key, versions)
    }
    for (const version of versions) if (version.fromMs <= ms && ms < version.toMs) return version.attributes
    return undefined
  }

  /**
   * Reads the members of `keys` not kept yet in one query (a batch's new customers: one statement
   * instead of one per member).
   */
  prefetch(keys: Iterable<K | null>): void {
    const missing = new Set<K>()
    for (const key of keys) if (key !== null && !this.members.has(key)) missing.add(key)
    if (missing.size === 0) return
    if (this.members.size + missing.size > MAX_MEMBERS) this.members.clear()
    const found = new Map<K, Version<A>[]>()
    for (const row of this.selectMany.all(JSON.stringify([...missing])) as unknown[][]) {
      const member = row[0] as K
      const versions = found.get(member)
      if (versions) versions.push(this.version(row, 1))
      else found.set(member, [this.version(row, 1)])
    }
    for (const key of missing) this.members.set(key, found.get(key) ?? [])
  }

  private keep(key: K, versions: Version<A>[]): void {
    if (this.members.size >= MAX_MEMBERS) this.members.clear()
    this.members.set(key, versions)
  }

  clear(): void {
    this.members.clear()
  }
}

/**
 * Point-in-time dimension lookups for the silver thread. Any commit to silver.db by another
 * connection (a dims import or sync, which are the only writers of the dimensions) empties it:
 * SQLite's data_version says so for one cheap pragma per batch. An import on the same connection
 * (in-process tools, tests) empties it through the enricher's re-enrichment.
 */
export class DimensionCache {
  readonly product
  readonly customer
  readonly store
  private readonly dataVersion
  private seenVersion = -1

  constructor(db: SqliteDatabase) {
    const versionsOf = <K, A>(table: string, key: string, { columns, read }: AttributeColumns<A>): MemberVersions<K, A> =>
      new MemberVersions<K, A>(
        db.prepare<[K]>(`SELECT ${columns}, valid_from_ms, valid_to_ms FROM silver.${table} WHERE ${key} = ?`).raw(),
        db
          .prepare<[string]>(`SELECT ${key}, ${columns}, valid_from_ms, valid_to_ms FROM silver.${table} WHERE ${key} IN (SELECT value FROM json_each(?))`)
          .raw(),
        read,
        columns.split(',').length,
      )
    this.product = versionsOf<number, ProductAttributes>('dim_product', 'product_id', PRODUCT)
    this.customer = versionsOf<number, CustomerAttributes>('dim_customer', 'customer_id', CUSTOMER)
    this.store = versionsOf<string, StoreAttributes>('dim_store', 'store_id', STORE)
    this.dataVersion = db.prepare('PRAGMA silver.data_version').pluck()
  }

  /** Call at the start of each transaction: forgets everything when another connection changed silver.db. */
  refresh(): void {
    const version = this.dataVersion.get() as number
    if (version === this.seenVersion) return
    this.seenVersion = version
    this.clear()
  }

  /** Forgets every member (this connection changed the dimensions). */
  clear(): void {
    this.product.clear()
    this.customer.clear()
    this.store.clear()
  }
}
