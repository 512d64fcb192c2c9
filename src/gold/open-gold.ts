import { openDatabase, type SqliteDatabase } from '../db/open.js'

/** Every layer attached: what gold work reads (silver) and writes (gold). Not migrated (src/schemas.ts). */
export function openGoldDatabase(dataDir: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): SqliteDatabase {
  return openDatabase({ dataDir, attach: ['bronze', 'silver', 'gold'], synchronous })
}
