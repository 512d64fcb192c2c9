import { BRONZE_MIGRATIONS } from '../bronze/schema.js'
import { GATEWAY_MIGRATIONS } from '../db/gateway-schema.js'
import { openDatabase, type SqliteDatabase } from '../db/open.js'
import { SILVER_MIGRATIONS } from '../silver/schema.js'
import { GOLD_MIGRATIONS } from './schema.js'

/** Every layer attached and migrated: what gold work reads (silver) and writes (gold). */
export function openGoldDatabase(dataDir: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): SqliteDatabase {
  return openDatabase({
    dataDir,
    attach: ['bronze', 'silver', 'gold'],
    synchronous,
    migrations: { main: GATEWAY_MIGRATIONS, bronze: BRONZE_MIGRATIONS, silver: SILVER_MIGRATIONS, gold: GOLD_MIGRATIONS },
  })
}
