import { Negotiator } from '@fastify/accept-negotiator'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

/** Where `npm run build` writes the staff page (scripts/build-dashboard.mjs): dist/http/dashboard. */
export const BUILT_DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url))

/** One file of the page with its precompressed forms. */
export interface DashboardAsset {
  type: string
  etag: string
  /** Hashed names never change content: cached for a year. The HTML is revalidated. */
  immutable: boolean
  bodies: Record<Encoding, Buffer>
}

type Encoding = 'br' | 'gzip' | 'identity'

/** The build's list of files (assets.json). */
interface AssetList {
  files: { path: string; file: string; type: string; etag: string; immutable: boolean; template?: boolean }[]
}

/**
 * What the HTML carries of the config: the page makes its money and number formatters (slow to
 * make on a till's CPU) while its first requests are on the wire, not after.
 */
export interface PageSettings {
  locale: string
  currency: string
}

const escapeAttribute = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function bodies(identity: Buffer): DashboardAsset['bodies'] {
  return { identity, gzip: gzipSync(identity, { level: 9 }), br: brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) }
}

/**
 * The staff page's files, read once at start into memory with their Brotli and gzip forms made at
 * build time: a handful of files, so every request is a map lookup, never a disk read or a
 * compression. Undefined when the page was not built (running from the sources).
 */
export class DashboardAssets {
  private readonly negotiator = new Negotiator<Encoding>({ supportedValues: ['br', 'gzip', 'identity'] })

  private constructor(readonly files: ReadonlyMap<string, DashboardAsset>) {}

  static load(settings: PageSettings, dir: string = BUILT_DASHBOARD_DIR): DashboardAssets | undefined {
    const listFile = join(dir, 'assets.json')
    if (!existsSync(listFile)) return undefined
    const list = JSON.parse(readFileSync(listFile, 'utf8')) as AssetList
    return new DashboardAssets(
      new Map(
        list.files.map((entry) => {
          if (entry.template) {
            const html = Buffer.from(
              readFileSync(join(dir, entry.file), 'utf8')
                .replace('%LOCALE%', escapeAttribute(settings.locale))
                .replace('%CURRENCY%', escapeAttribute(settings.currency)),
            )
            const etag = `"${createHash('sha256').update(html).digest('base64url').slice(0, 22)}"`
            return [entry.path, { type: entry.type, etag, immutable: entry.immutable, bodies: bodies(html) }]
          }
          return [
            entry.path,
            {
              type: entry.type,
              etag: entry.etag,
              immutable: entry.immutable,
              bodies: {
                identity: readFileSync(join(dir, entry.file)),
                gzip: readFileSync(join(dir, `${entry.file}.gz`)),
                br: readFileSync(join(dir, `${entry.file}.br`)),
              },
            },
          ]
        }),
      ),
    )
  }

  /** The encoding to answer with for an Accept-Encoding header (identity when none is acceptable). */
  encodingFor(acceptEncoding: string | undefined): Encoding {
    return (acceptEncoding && this.negotiator.negotiate(acceptEncoding)) || 'identity'
  }

  /** Bytes of every file as a browser gets it (Brotli): the page weight. */
  get compressedBytes(): number {
    let total = 0
    for (const asset of this.files.values()) total += asset.bodies.br.byteLength
    return total
  }
}
