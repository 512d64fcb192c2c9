import { execFile } from 'node:child_process'
import { CLI } from './daemon.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built `medallion-edge` with arguments, as a user would. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}
