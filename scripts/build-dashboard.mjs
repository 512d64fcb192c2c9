// Builds the staff page (src/http/dashboard) into dist/http/dashboard: one JS and one CSS bundle
// with content-hashed names (uPlot included: nothing is fetched from outside the gateway), the
// HTML that names them, a Brotli and a gzip copy of each file, and assets.json for the server.
import { build } from 'esbuild'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const source = 'src/http/dashboard'
const out = 'dist/http/dashboard'
rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'assets'), { recursive: true })

const result = await build({
  entryPoints: { app: join(source, 'main.ts') },
  bundle: true,
  minify: true,
  format: 'esm',
  // Browsers of the last few years on tills, tablets and phones.
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'eof',
  logLevel: 'warning',
})
const built = Object.keys(result.metafile.outputs).map((path) => relative(out, path))
const js = built.find((path) => path.endsWith('.js'))
const css = built.find((path) => path.endsWith('.css'))
if (!js || !css) throw new Error(`the dashboard build made no JS or CSS bundle: ${built.join(', ')}`)
const html = readFileSync(join(source, 'index.html'), 'utf8').replace('%APP_CSS%', `/${css}`).replace('%APP_JS%', `/${js}`)
writeFileSync(join(out, 'index.html'), html)

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' }
const files = [{ path: '/', file: 'index.html', immutable: false }, ...[js, css].map((file) => ({ path: `/${file}`, file, immutable: true }))]
  .map((entry) => {
    const body = readFileSync(join(out, entry.file))
    writeFileSync(join(out, `${entry.file}.gz`), gzipSync(body, { level: 9 }))
    writeFileSync(join(out, `${entry.file}.br`), brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }))
    const type = TYPES[entry.file.slice(entry.file.lastIndexOf('.'))]
    return { ...entry, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
  })
writeFileSync(join(out, 'assets.json'), JSON.stringify({ files }, null, 2))
const size = (file) => readFileSync(join(out, `${file}.br`)).byteLength
console.log(`dashboard: ${files.map((entry) => `${basename(entry.file)} ${(size(entry.file) / 1024).toFixed(1)} KiB br`).join(', ')}`)
