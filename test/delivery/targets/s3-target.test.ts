import { S3Target } from '../../../src/delivery/targets/s3-target.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { uploadTargetContract } from '../upload-target.contract.js'

// The far side is s3rver, a local S3-compatible server (npm), on 127.0.0.1.
uploadTargetContract('s3', async () => {
  const storage = makeTempDir()
  const { default: S3rver } = await import('s3rver')
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: storage.path, configureBuckets: [{ name: 'lake', configs: [] }] })
  const endpoint = `http://127.0.0.1:${(await server.run()).port}`
  const settings = { endpoint, bucket: 'lake', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', prefix: 'stores/store_001/' }
  return {
    target: new S3Target(settings, 5000),
    read: async (key) => {
      const response = await fetch(`${endpoint}/lake/stores/store_001/${key}`)
      return response.status === 200 ? Buffer.from(await response.arrayBuffer()) : undefined
    },
    // A bucket the server does not have: it answers 404 NoSuchBucket.
    broken: () => new S3Target({ ...settings, bucket: 'no-such-bucket' }, 5000),
    close: async () => {
      await server.close()
      storage.remove()
    },
  }
})
