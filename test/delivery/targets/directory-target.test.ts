import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DirectoryTarget } from '../../../src/delivery/targets/directory-target.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { uploadTargetContract } from '../upload-target.contract.js'

uploadTargetContract('directory', async () => {
  const dir = makeTempDir()
  const root = join(dir.path, 'lake')
  // Broken: the target directory would have to be made under a regular file.
  await writeFile(join(dir.path, 'a-file'), 'not a directory')
  return {
    target: new DirectoryTarget(root),
    read: (key) => readFile(join(root, key)).catch(() => undefined),
    broken: () => new DirectoryTarget(join(dir.path, 'a-file', 'lake')),
    close: async () => dir.remove(),
  }
})
