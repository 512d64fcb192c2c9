import { HttpPutTarget } from '../../../src/delivery/targets/http-put-target.js'
import { ObjectServer } from '../../helpers/object-server.js'
import { uploadTargetContract } from '../upload-target.contract.js'

uploadTargetContract('http', async () => {
  const server = new ObjectServer()
  await server.start()
  const refusing = new ObjectServer()
  await refusing.start()
  refusing.always = 'status-403'
  return {
    target: new HttpPutTarget(server.url, 'upload-token', 5000),
    read: async (key) => server.objects.get(key),
    broken: () => new HttpPutTarget(refusing.url, 'upload-token', 5000),
    close: async () => {
      await server.stop()
      await refusing.stop()
    },
  }
})
