import Database from 'better-sqlite3'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { writeDaemonConfig } from '../helpers/daemon.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const dir = makeTempDir()
const dataDir = join(dir.path, 'data')
const config = writeDaemonConfig(dir.path, dataDir)
afterAll(() => dir.remove())

function file(name: string, content: string | Buffer): string {
  const path = join(dir.path, name)
  writeFileSync(path, content)
  return path
}

const products = (): unknown[] => {
  const db = new Database(join(dataDir, 'silver.db'), { readonly: true })
  try {
    return db.prepare('SELECT product_id, product_name, category FROM dim_product ORDER BY product_key').all()
  } finally {
    db.close()
  }
}

describe('a bad dimension file is refused whole, with a clear error', () => {
  beforeAll(async () => {
    const good = await runCli(['dims', 'import', 'product', file('good.csv', 'product_id,product_name,category\n101,Espresso,Beverages\n'), '--config', config])
    expect(good.code).toBe(0)
  })

  it.each([
    ['a missing column', 'missing.csv', 'product_id,product_name\n102,Croissant\n', /line 1: missing column category; nothing was applied/],
    [
      'a wrong type',
      'type.csv',
      'product_id,product_name,category\n102,Croissant,Bakery\nabc,Bagel,Bakery\n',
      /line 3: product_id must be a whole number >= 0, got "abc"/,
    ],
    [
      'duplicate keys in one file',
      'dup.csv',
      'product_id,product_name,category\n102,Croissant,Bakery\n103,Bagel,Bakery\n102,Pain,Bakery\n',
      /line 4: duplicate product_id 102 \(also on line 2\)/,
    ],
    ['an empty file', 'empty.csv', '', /the product file has no rows; nothing was applied/],
    ['a header only', 'header.csv', 'product_id,product_name,category\n', /the product file has no rows/],
    [
      'non-UTF-8 bytes',
      'latin1.csv',
      Buffer.concat([Buffer.from('product_id,product_name,category\n102,Cr'), Buffer.from([0xe8]), Buffer.from('me,Bakery\n')]),
      /line 2: the file is not valid UTF-8; nothing was applied/,
    ],
    ['a bad JSON line', 'bad.jsonl', '{"product_id":102,"product_name":"Croissant","category":"Bakery"}\n{"product_id":103,\n', /line 2: not JSON/],
    [
      'a store with an unknown time zone',
      'store.csv',
      'store_id,store_name,region,timezone\nstore_001,Downtown,North,Mars/Olympus\n',
      /timezone 'Mars\/Olympus' is not an IANA time zone/,
    ],
  ])('%s', async (_name, name, content, message) => {
    const dimension = name === 'store.csv' ? 'store' : 'product'
    const result = await runCli(['dims', 'import', dimension, file(name, content), '--config', config])
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(message)
    expect(products()).toEqual([{ product_id: 101, product_name: 'Espresso', category: 'Beverages' }])
  })

  it('with --allow-rejects the good rows apply and the bad ones are listed by line', async () => {
    const result = await runCli([
      'dims',
      'import',
      'product',
      file('mixed.csv', 'product_id,product_name,category\n102,Croissant,Bakery\n-5,Bad,Bakery\n'),
      '--allow-rejects',
      '--json',
      '--config',
      config,
    ])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ inserted: 1, rejected: 1, errors: [{ line: 3, message: expect.stringMatching(/product_id/) }] })
  })

  it('an unknown dimension or a missing file is one line too', async () => {
    expect((await runCli(['dims', 'import', 'supplier', 'x.csv', '--config', config])).stderr).toMatch(/unknown dimension 'supplier'/)
    expect((await runCli(['dims', 'import', 'product', join(dir.path, 'nope.csv'), '--config', config])).stderr).toMatch(/cannot read .*nope\.csv/)
  })
})
