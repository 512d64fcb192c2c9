import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { MedallionError } from '../errors.js'

/** A listener's certificate and key, as its config names them. */
export interface TlsFiles {
  certFile: string
  keyFile: string
}

/** A certificate chain and its key, checked to belong together. */
export interface TlsCredentials {
  cert: Buffer
  key: Buffer
  /** The server certificate's subject and end of validity, for the log (the operator renews by it). */
  subject: string
  validTo: string
}

/**
 * Reads a listener's certificate and key (PEM) and checks them as a TLS server would use them:
 * a certificate that parses and a key that is its own. Anything else is one TLS_FILES_UNREADABLE
 * naming the config key, the file and what is wrong, at the start or at a reload, never at the
 * first handshake.
 */
export function readTlsCredentials(files: TlsFiles, configKey: string): TlsCredentials {
  const cert = readPem(files.certFile, `${configKey}.certFile`)
  const key = readPem(files.keyFile, `${configKey}.keyFile`)
  let leaf: X509Certificate
  try {
    leaf = new X509Certificate(cert)
  } catch (cause) {
    throw new MedallionError('TLS_FILES_UNREADABLE', `${configKey}.certFile ${files.certFile}: not a PEM certificate`, { cause })
  }
  try {
    createSecureContext({ cert, key })
  } catch (cause) {
    const message = (cause as Error).message
    throw new MedallionError(
      'TLS_FILES_UNREADABLE',
      /key values mismatch/.test(message)
        ? `${configKey}.keyFile ${files.keyFile} is not the key of the certificate in ${files.certFile}`
        : `${configKey}: ${files.certFile} and ${files.keyFile}: ${message}`,
      { cause },
    )
  }
  return { cert, key, subject: leaf.subject.replaceAll('\n', ', '), validTo: leaf.validTo }
}

function readPem(path: string, configKey: string): Buffer {
  try {
    return readFileSync(path)
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? "not readable by the daemon's user" : (cause as Error).message
    throw new MedallionError('TLS_FILES_UNREADABLE', `${configKey} ${path}: ${why}`, { cause })
  }
}

/** A client's CA file (`pull.caFile`, `upload.http.caFile`, ...) when one is set: its PEM text, or one clear error naming the key. */
export function readCaFile(path: string | undefined, configKey: string): Buffer | undefined {
  if (path === undefined) return undefined
  const ca = readPem(path, configKey)
  try {
    new X509Certificate(ca)
  } catch (cause) {
    throw new MedallionError('TLS_FILES_UNREADABLE', `${configKey} ${path}: not a PEM certificate`, { cause })
  }
  return ca
}
