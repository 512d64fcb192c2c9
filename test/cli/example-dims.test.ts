import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { writeDaemonConfig } from '../helpers/daemon.js'
import { makeTempDir } from '../helpers/temp-dir.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/dims/', import.meta.url))

describe("the README's demo dimension files", () => {
  const dir = makeTempDir()
  afterAll(() => dir.remove())

  it.each(['product', 'customer', 'store'])('%s.csv imports cleanly', async (dimension) => {
    const config = writeDaemonConfig(dir.path, join(dir.path, 'data'))
    const result = await runCli(['dims', 'import', dimension, join(EXAMPLES, `${dimension}.csv`), '--json', '--config', config])
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout)).toMatchObject({ rejected: 0, inserted: expect.any(Number) })
  })
})
