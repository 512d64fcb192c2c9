import { readFileSync } from 'node:fs'

/** This release's version, from package.json (dist/cli/ and src/cli/ are both two levels down). */
export const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
