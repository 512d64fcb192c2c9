// Builds the staff page (src/dashboard, the browser app) into dist/http/dashboard (the server's assets): one JS and one CSS bundle
// with content-hashed names (uPlot included: nothing is fetched from outside the gateway), the
// HTML that names them, a Brotli and a gzip copy of each file, and assets.json for the server.
import { build } from 'esbuild'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const source = 'src/dashboard'
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
  // The chart library is loaded by a dynamic import: the figures do not wait for it.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  metafile: true,
  legalComments: 'eof',
  logLevel: 'warning',
})
const built = Object.keys(result.metafile.outputs).map((path) => relative(out, path))
const js = built.find((path) => /assets\/app-[^/]+\.js$/.test(path))
const css = built.find((path) => path.endsWith('.css'))
if (!js || !css) throw new Error(`the dashboard build made no JS or CSS bundle: ${built.join(', ')}`)
// The chunks the entry imports later are fetched at once, next to it.
const preload = built
  .filter((path) => path.endsWith('.js') && path !== js)
  .map((path) => `<link rel="modulepreload" href="/${path}">`)
  .join('\n')
const html = readFileSync(join(source, 'index.html'), 'utf8').replace('%APP_CSS%', `/${css}`).replace('%APP_JS%', `/${js}`).replace('%PRELOAD%', preload)
writeFileSync(join(out, 'index.html'), html)

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' }
// The HTML is a template: the daemon fills in the config's locale and currency when it starts
// (dashboard-assets.ts), and compresses it then.
const files = [{ path: '/', file: 'index.html', immutable: false, template: true }, ...built.map((file) => ({ path: `/${file}`, file, immutable: true }))].map(
  (entry) => {
    const body = readFileSync(join(out, entry.file))
    if (!entry.template) {
      writeFileSync(join(out, `${entry.file}.gz`), gzipSync(body, { level: 9 }))
      writeFileSync(join(out, `${entry.file}.br`), brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }))
    }
    const type = TYPES[entry.file.slice(entry.file.lastIndexOf('.'))]
    return { ...entry, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
  },
)
writeFileSync(join(out, 'assets.json'), JSON.stringify({ files }, null, 2))
const size = (entry) => (entry.template ? brotliCompressSync(readFileSync(join(out, entry.file))) : readFileSync(join(out, `${entry.file}.br`))).byteLength
console.log(`dashboard: ${files.map((entry) => `${basename(entry.file)} ${(size(entry) / 1024).toFixed(1)} KiB br`).join(', ')}`)
