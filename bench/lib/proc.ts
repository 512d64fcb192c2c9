import { readFileSync } from 'node:fs'

const CLOCK_TICKS_PER_S = 100 // getconf CLK_TCK on Linux

/** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S
}

/** Resident memory of a process in MiB (VmRSS), from /proc/PID/status. */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? Number(match[1]) / 1024 : Number.NaN
}

/** Samples a process' RSS until stopped; returns the peak seen (MiB). */
export function sampleRss(pid: number, everyMs = 200): { stop: () => number } {
  let peak = 0
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid))
    } catch {
      // the process is gone
    }
  }, everyMs)
  return {
    stop: () => {
      clearInterval(timer)
      try {
        peak = Math.max(peak, rssMiB(pid))
      } catch {
        // gone
      }
      return peak
    },
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
