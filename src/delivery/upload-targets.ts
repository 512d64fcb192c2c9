import type { UploadConfig } from '../config/schema.js'
import { readCaFile } from '../util/tls-credentials.js'
import { DirectoryTarget } from './targets/directory-target.js'
import { HttpPutTarget } from './targets/http-put-target.js'
import { S3Target } from './targets/s3-target.js'
import type { UploadTarget } from './targets/upload-target.js'

/** The configured upload target (none: central pulls over HTTP); a CA file that cannot be read throws TLS_FILES_UNREADABLE. */
export function uploadTargets(upload: UploadConfig): UploadTarget[] {
  switch (upload.target) {
    case 'none':
      return []
    case 'directory':
      return [new DirectoryTarget(upload.directory!.path)]
    case 'http':
      return [new HttpPutTarget(upload.http!.url, upload.http!.token, upload.timeoutMs, readCaFile(upload.http!.caFile, 'upload.http.caFile'))]
    case 's3':
      return [new S3Target(upload.s3!, upload.timeoutMs, readCaFile(upload.s3!.caFile, 'upload.s3.caFile'))]
  }
}

export function uploadTargetNames(upload: UploadConfig): string[] {
  return upload.target === 'none' ? [] : [upload.target]
}
