import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { PublisherOptions, PublisherResult } from '../load/raw-publisher.js'

const PUBLISHER = fileURLToPath(new URL('../load/raw-publisher.ts', import.meta.url))

/** Runs the raw publisher in its own process (its CPU apart from the broker's). */
export function runGenerator(options: PublisherOptions): Promise<PublisherResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PUBLISHER, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as PublisherResult)
      else reject(new Error(`load generator failed (${code}): ${stderr}`))
    })
  })
}
