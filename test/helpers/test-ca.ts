import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** A certificate authority of a test's own, made by openssl (Debian's; `npm test` installs it). */
export interface TestCa {
  /** The CA's certificate: what a client trusts (caFile, curl --cacert). */
  certFile: string
  keyFile: string
  dir: string
  name: string
}

export interface IssuedCertificate {
  certFile: string
  keyFile: string
  /** The certificate's serial number (hex, as X509Certificate gives it), to tell two apart. */
  serial: string
  /** The SHA-256 of its public key, base64: what Chromium's --ignore-certificate-errors-spki-list pins. */
  spkiSha256: string
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** A new CA (P-256, two days) in `dir`, files named after `name`. */
export function makeTestCa(dir: string, name = 'test-ca'): TestCa {
  const certFile = join(dir, `${name}.pem`)
  const keyFile = join(dir, `${name}.key`)
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ])
  return { certFile, keyFile, dir, name }
}

/** A server certificate signed by `ca` for 127.0.0.1 and localhost (files `${name}.pem`/`.key`, overwritten if there). */
export function issueServerCertificate(ca: TestCa, name: string): IssuedCertificate {
  const certFile = join(ca.dir, `${name}.pem`)
  const keyFile = join(ca.dir, `${name}.key`)
  const csr = join(ca.dir, `${name}.csr`)
  const extensions = join(ca.dir, `${name}.ext`)
  writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n')
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-keyout', keyFile, '-out', csr])
  openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '2', '-extfile', extensions, '-out', certFile])
  const certificate = new X509Certificate(readFileSync(certFile))
  const spki = execFileSync('sh', [
    '-c',
    `openssl x509 -in '${certFile}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
  ])
    .toString()
    .trim()
  return { certFile, keyFile, serial: certificate.serialNumber, spkiSha256: spki }
}
