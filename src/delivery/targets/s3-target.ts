import { AwsClient } from 'aws4fetch'
import { digestBase64 } from '../../util/digest.js'
import { verifiedFetch } from '../../util/https-fetch.js'
import { checkEtag, type UploadTarget } from './upload-target.js'

export interface S3Settings {
  /** e.g. https://s3.eu-west-1.amazonaws.com, or a MinIO/Garage/Ceph endpoint. */
  endpoint: string
  bucket: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  /** Key prefix inside the bucket, e.g. "stores/store_001/". */
  prefix: string
}

/**
 * S3-compatible object storage, signed with AWS Signature V4 (aws4fetch). One PUT per object
 * (snapshot files are far below S3's 5 GiB single-PUT limit, so no multipart), path-style URLs,
 * with Content-MD5 and x-amz-checksum-sha256 for the server to check; the checksum it echoes, or
 * an ETag that is an MD5, is checked here. An https endpoint's certificate is verified (against
 * `ca` when given: upload.s3.caFile).
 */
export class S3Target implements UploadTarget {
  readonly name = 's3'
  private readonly client: AwsClient
  private readonly fetch: typeof fetch

  constructor(
    private readonly settings: S3Settings,
    private readonly timeoutMs: number,
    ca?: Buffer,
  ) {
    this.client = new AwsClient({ accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey, region: settings.region, service: 's3' })
    this.fetch = verifiedFetch(ca, 'upload.s3.caFile')
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const objectKey = `${this.settings.prefix}${key}`.split('/').map(encodeURIComponent).join('/')
    const checksum = digestBase64('sha256', bytes)
    const url = `${this.settings.endpoint.replace(/\/$/, '')}/${this.settings.bucket}/${objectKey}`
    // Signed here, sent by our own fetch (aws4fetch's would use the global one, without the CA).
    const signed = await this.client.sign(url, {
      method: 'PUT',
      body: bytes,
      headers: {
        'content-type': contentType,
        'content-md5': digestBase64('md5', bytes),
        'x-amz-checksum-sha256': checksum,
      },
    })
    const response = await this.fetch(signed.url, { method: 'PUT', headers: signed.headers, body: bytes, signal: AbortSignal.timeout(this.timeoutMs) })
    const answer = await response.text()
    if (!response.ok) throw new Error(`S3 PUT ${key}: HTTP ${response.status} ${answer.slice(0, 200)}`)
    // S3 echoes the SHA-256 it verified; without it, an MD5 ETag is checked (docs/snapshots.md).
    const echoed = response.headers.get('x-amz-checksum-sha256')
    if (echoed !== null && echoed !== checksum) throw new Error(`S3 PUT ${key}: the stored checksum ${echoed} is not the sent one`)
    checkEtag(response.headers.get('etag'), bytes)
  }
}
