import { BRONZE_MIGRATIONS } from './bronze/schema.js'
import { REGISTRY_SCHEMA } from './broker/registry-schema.js'
import { migrate, migrateOwned, type Migrations, type OwnedSchema } from './db/migrate.js'
import { ALL_LAYERS, openDatabase, type LayerName, type SqliteDatabase } from './db/open.js'
import { DELIVERY_SCHEMA } from './delivery/schema.js'
import { GOLD_MIGRATIONS } from './gold/schema.js'
import { RETENTION_SCHEMA } from './retention/schema.js'
import { SCHEDULER_SCHEMA } from './scheduler/schema.js'
import { SILVER_MIGRATIONS } from './silver/schema.js'
import { SNAPSHOT_SCHEMA } from './snapshot/schema.js'

/** gateway.db's owners, in data-flow order (delivery's steps read the snapshots' tables). */
export const GATEWAY_OWNERS: readonly OwnedSchema[] = [REGISTRY_SCHEMA, SCHEDULER_SCHEMA, SNAPSHOT_SCHEMA, DELIVERY_SCHEMA, RETENTION_SCHEMA]

/** gateway.db up to 0.2.0 had one sequence of steps for every owner: which owner's step each was. */
const GATEWAY_BEFORE_OWNERS: readonly Record<string, number>[] = [
  {},
  { devices: 1, scheduler: 1 },
  { devices: 1, scheduler: 1, snapshots: 1, delivery: 1 },
  { devices: 1, scheduler: 1, snapshots: 1, delivery: 1, retention: 1 },
]

/** Each layer file has one owner, the layer. */
export const LAYER_MIGRATIONS: Readonly<Record<LayerName, Migrations>> = { bronze: BRONZE_MIGRATIONS, silver: SILVER_MIGRATIONS, gold: GOLD_MIGRATIONS }

/**
 * Every owner's pending migrations, for gateway.db and each layer file attached to `db`. The daemon
 * runs it once at start, before any thread opens a file; each command runs it on what it opens.
 * Returns `db`; closes it when a migration fails.
 */
export function migrateAll(db: SqliteDatabase): SqliteDatabase {
  try {
    migrateOwned(db, 'main', GATEWAY_OWNERS, GATEWAY_BEFORE_OWNERS)
    const attached = (db.pragma('database_list') as { name: string }[]).map((row) => row.name)
    for (const layer of ['bronze', 'silver', 'gold'] as const) {
      if (attached.includes(layer)) migrate(db, layer, LAYER_MIGRATIONS[layer])
    }
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * Opens gateway.db with `attach` (default: every layer) and applies every owner's pending
 * migrations: what a command, the daemon's start and restore open. Here, not in db/, because db/
 * knows no stage's migrations.
 */
export function openMigrated(dataDir: string, options: { attach?: readonly LayerName[]; synchronous?: 'FULL' | 'NORMAL' } = {}): SqliteDatabase {
  return migrateAll(openDatabase({ dataDir, attach: options.attach ?? ALL_LAYERS, synchronous: options.synchronous ?? 'FULL' }))
}
