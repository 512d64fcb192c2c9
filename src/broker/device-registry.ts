import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { ID_PATTERN, ID_RULE } from '../contract/ids.js'
import type { SqliteDatabase } from '../db/open.js'
import { MedallionError } from '../errors.js'
import type { TopicOwner } from '../contract/device-topic.js'

export interface DeviceRecord {
  deviceId: string
  storeId: string
  createdAt: string
}

export interface IssuedDevice extends DeviceRecord {
  /** The secret, shown once; only its hash is stored. */
  token: string
}

/** 256 random bits, URL-safe: typed into a device config or a provisioning file. */
function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * The token is 256 random bits, so a plain SHA-256 is the right hash: a slow KDF (bcrypt,
 * scrypt) only helps against guessing low-entropy passwords, and would make a reconnect storm of
 * hundreds of devices cost seconds of CPU. One SHA-256 is ~1 us.
 */
function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}

// Compared against when the device is unknown, so that a miss costs the same as a wrong token.
const NO_DEVICE_HASH = hashToken('no such device')

export function checkId(kind: string, value: string): void {
  if (!ID_PATTERN.test(value)) {
    throw new MedallionError('INVALID_ID', `${kind} '${value}' ${ID_RULE}`)
  }
}

/** Devices allowed to connect, in gateway.db; shared by the daemon and the CLI. */
export class DeviceRegistry {
  private readonly selectOne
  private readonly selectAll
  private readonly insertOne
  private readonly upsertOne
  private readonly deleteOne
  private readonly selectIds
  /** Registrations and removals made through this object (other processes' show in data_version). */
  private writes = 0

  constructor(db: SqliteDatabase) {
    this.selectOne = db.prepare<[string], { store_id: string; token_sha256: Buffer }>('SELECT store_id, token_sha256 FROM devices WHERE device_id = ?')
    this.selectAll = db.prepare<[], { device_id: string; store_id: string; created_at: string }>(
      'SELECT device_id, store_id, created_at FROM devices ORDER BY device_id',
    )
    this.insertOne = db.prepare('INSERT INTO devices (device_id, store_id, token_sha256, created_at) VALUES (?, ?, ?, ?)')
    this.upsertOne = db.prepare(`
      INSERT INTO devices (device_id, store_id, token_sha256, created_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (device_id) DO UPDATE SET store_id = excluded.store_id, token_sha256 = excluded.token_sha256`)
    this.deleteOne = db.prepare('DELETE FROM devices WHERE device_id = ?')
    this.selectIds = db.prepare<[], string>('SELECT device_id FROM devices').pluck()
  }

  /** Changes made through this object so far: a snapshot of the ids is stale once it moves. */
  get localWrites(): number {
    return this.writes
  }

  /** Every registered device id, now. */
  ids(): Set<string> {
    return new Set(this.selectIds.all())
  }

  /** Registers a new device and returns its token (the only time it exists in clear). */
  add(deviceId: string, storeId: string, now = new Date()): IssuedDevice {
    checkId('device id', deviceId)
    checkId('store id', storeId)
    const token = newToken()
    const createdAt = now.toISOString()
    try {
      this.insertOne.run(deviceId, storeId, hashToken(token), createdAt)
      this.writes++
    } catch (cause) {
      if ((cause as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new MedallionError('DEVICE_EXISTS', `device '${deviceId}' is already registered (remove it first to issue a new token)`, { cause })
      }
      throw cause
    }
    return { deviceId, storeId, token, createdAt }
  }

  /** Registers the device or gives it a new token (the simulator's own demo devices). */
  issue(deviceId: string, storeId: string, now = new Date()): IssuedDevice {
    checkId('device id', deviceId)
    checkId('store id', storeId)
    const token = newToken()
    const createdAt = now.toISOString()
    this.upsertOne.run(deviceId, storeId, hashToken(token), createdAt)
    this.writes++
    return { deviceId, storeId, token, createdAt }
  }

  exists(deviceId: string): boolean {
    return this.selectOne.get(deviceId) !== undefined
  }

  list(): DeviceRecord[] {
    return this.selectAll.all().map((row) => ({ deviceId: row.device_id, storeId: row.store_id, createdAt: row.created_at }))
  }

  remove(deviceId: string): void {
    if (this.deleteOne.run(deviceId).changes === 0) {
      throw new MedallionError('DEVICE_NOT_FOUND', `device '${deviceId}' is not registered`)
    }
    this.writes++
  }

  /** The device's topic owner when the token is right, else undefined; constant time in the token. */
  verify(deviceId: string, token: Buffer | string): TopicOwner | undefined {
    const row = this.selectOne.get(deviceId)
    const presented = createHash('sha256').update(token).digest()
    const matches = timingSafeEqual(presented, row?.token_sha256 ?? NO_DEVICE_HASH)
    return row !== undefined && matches ? { storeId: row.store_id, deviceId } : undefined
  }
}

/** How many devices are registered, on any connection to gateway.db (for `status`). */
export function countDevices(db: SqliteDatabase): number {
  return db.prepare('SELECT count(*) FROM devices').pluck().get() as number
}
